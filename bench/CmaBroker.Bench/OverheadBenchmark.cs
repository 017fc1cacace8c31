using System.Diagnostics;
using CmaBroker.Doe;
using CmaBroker.Emulation;
using CmaBroker.Emulation.Profiles;
using CmaBroker.TestSupport;
using Tmds.DBus.Protocol;
using static CmaBroker.Bench.BenchMachine;

namespace CmaBroker.Bench;

/// <summary>
/// Mediation overhead, in one run: Mailbox.Exchange through cma-brokerd (on a private dbus-daemon with the
/// project's policy, emulated zero-latency mailbox, DOE Discovery object), a bare
/// org.freedesktop.DBus.Peer.Ping to the same daemon on the same connection (the baseline), and the same
/// Discovery exchange in-process through the register driver. The three alternate in short slices so
/// that load from other processes hits them alike.
/// </summary>
internal static class OverheadBenchmark
{
    private const string BusName = "org.cmabroker.Broker1";

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        bool quick = args.Contains("--quick");
        int perSlice = quick ? 200 : 1000, slices = quick ? 4 : 10;
        Print("mediation overhead", quick);
        await using var bus = await PrivateBus.StartAsync();
        var directories = Directory.CreateTempSubdirectory("cmabroker-bench-").FullName;
        foreach (string d in new[] { "trust.d", "reference.d", "state" })
            Directory.CreateDirectory(Path.Combine(directories, d));
        SpdmProfiles.WriteTrustAnchors(Path.Combine(directories, "trust.d"));
        using var daemon = StartDaemon(bus.Address, directories);
        try
        {
            using var connection = new DBusConnection(bus.Address);
            await connection.ConnectAsync();
            string mailbox = await MailboxPathAsync(connection, daemon);

            using var device = new EmulatedPciFunction(new EmulatedPciIdentity(0x1B36, 0xCA01, 0x1B36, 0xCA01, 0x12_00_00, 1, 1), [new EmulatedMailboxSpec([])]);
            using var direct = new DoeMailbox(device, device.Mailboxes[0].Offset);
            var discovery = new DoeObject(DoeProtocol.Discovery, new byte[4]);

            // Warm-up, and check each path answers what it should.
            for (int i = 0; i < 300; i++)
            {
                await ExchangeAsync(connection, mailbox);
                await PingAsync(connection);
                await direct.ExchangeAsync(discovery);
            }
            byte[] viaBroker = await ExchangeAsync(connection, mailbox);
            byte[] inProcess = (await direct.ExchangeAsync(discovery)).Payload.ToArray();
            if (viaBroker.Length != 4 || inProcess.Length != 4 || viaBroker[0] != 0x01 || inProcess[0] != 0x01)
                throw new InvalidOperationException($"Discovery answers differ from expectation: broker {Convert.ToHexString(viaBroker)}, in-process {Convert.ToHexString(inProcess)}");

            var exchange = new List<double>();
            var ping = new List<double>();
            var local = new List<double>();
            long daemonCpu0 = DaemonCpuNanoseconds(daemon.Id);
            long exchangeCount = 0;
            var exchangeWall = TimeSpan.Zero;
            for (int s = 0; s < slices; s++)
            {
                long cpuBefore = DaemonCpuNanoseconds(daemon.Id);
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < perSlice; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    await ExchangeAsync(connection, mailbox);
                    exchange.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                }
                exchangeWall += watch.Elapsed;
                exchangeCount += perSlice;
                _ = cpuBefore;
                for (int i = 0; i < perSlice; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    await PingAsync(connection);
                    ping.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                }
                for (int i = 0; i < perSlice; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    await direct.ExchangeAsync(discovery);
                    local.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                }
            }
            long daemonCpu = DaemonCpuNanoseconds(daemon.Id) - daemonCpu0;
            double[] e = [.. exchange.Order()], p = [.. ping.Order()], l = [.. local.Order()];
            Console.WriteLine(F($"{slices} slices x {perSlice} calls of each kind, alternating; latency per call in µs"));
            Console.WriteLine();
            Console.WriteLine($"{"path",-44} {"median",8} {"p90",8} {"p99",8}");
            Row("Mailbox.Exchange via cma-brokerd (Discovery)", e);
            Row("Peer.Ping to cma-brokerd, same connection", p);
            Row("in-process DoeMailbox exchange (Discovery)", l);
            double medianRatio = Quantile(e, 0.5) / Quantile(p, 0.5), p99Ratio = Quantile(e, 0.99) / Quantile(p, 0.99);
            Console.WriteLine();
            Console.WriteLine(F($"Exchange minus Ping at the median: {Quantile(e, 0.5) - Quantile(p, 0.5):N0} µs per call"));
            Console.WriteLine(F($"daemon CPU per call over the run (Exchange, Ping and their share of idle work): {daemonCpu / 1e3 / (exchange.Count + ping.Count):N0} µs"));
            Console.WriteLine(F($"RESULT overhead median: Exchange/Ping = {medianRatio:N2} (target <= 1.5): {Verdict(medianRatio <= 1.5)}"));
            Console.WriteLine(F($"RESULT overhead p99: Exchange/Ping = {p99Ratio:N2} (target <= 3): {Verdict(p99Ratio <= 3)}"));
            _ = exchangeWall;
            _ = exchangeCount;
        }
        finally
        {
            if (!daemon.HasExited)
                daemon.Kill();
            await daemon.WaitForExitAsync();
            Directory.Delete(directories, recursive: true);
        }
        End();
        return 0;
    }

    private static void Row(string name, double[] sorted) =>
        Console.WriteLine(F($"{name,-44} {Quantile(sorted, 0.5),8:N1} {Quantile(sorted, 0.9),8:N1} {Quantile(sorted, 0.99),8:N1}"));

    private static Process StartDaemon(string address, string directories)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "cma-brokerd.dll"), "--bus", address, "--no-coldplug",
            "--state-dir", Path.Combine(directories, "state"), "--trust-dir", Path.Combine(directories, "trust.d"),
            "--reference-dir", Path.Combine(directories, "reference.d"), "--log-level", "warning", "--target", "emulated:good#0",
            "--set", "metricsTextfileDir=",
        })
            start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start cma-brokerd");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<string> MailboxPathAsync(DBusConnection connection, Process daemon)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (daemon.HasExited)
                throw new InvalidOperationException($"cma-brokerd exited with {daemon.ExitCode}");
            try
            {
                string[] devices = await CallAsync(connection, "/org/cmabroker/Broker1", "org.cmabroker.Broker1.Manager", "GetDevices", null, null,
                    static (Message m, object? _) => m.GetBodyReader().ReadArrayOfObjectPath().Select(p => p.ToString()).ToArray());
                if (devices.Length > 0)
                {
                    var mailboxes = await CallAsync(connection, devices[0], "org.freedesktop.DBus.Properties", "Get", "ss",
                        (ref MessageWriter w) => { w.WriteString("org.cmabroker.Broker1.Device"); w.WriteString("Mailboxes"); },
                        static (Message m, object? _) => m.GetBodyReader().ReadVariantValue());
                    return mailboxes.GetArray<ObjectPath>()[0].ToString();
                }
            }
            catch (DBusErrorReplyException)
            {
                // Not on the bus yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("cma-brokerd did not publish its device in time");
    }

    private static Task<byte[]> ExchangeAsync(DBusConnection connection, string mailbox) =>
        CallAsync(connection, mailbox, "org.cmabroker.Broker1.Mailbox", "Exchange", "qyaya{sv}",
            (ref MessageWriter w) =>
            {
                w.WriteUInt16(1);
                w.WriteByte(0);
                w.WriteArray(new byte[4]);
                ArrayStart options = w.WriteDictionaryStart();
                w.WriteDictionaryEnd(options);
            },
            static (Message m, object? _) => m.GetBodyReader().ReadArrayOfByte());

    private static Task<bool> PingAsync(DBusConnection connection) =>
        CallAsync(connection, "/", "org.freedesktop.DBus.Peer", "Ping", null, null, static (Message _, object? _) => true);

    private static Task<T> CallAsync<T>(DBusConnection connection, string path, string iface, string member, string? signature,
        MessageWriterAction? arguments, MessageValueReader<T> reader)
    {
        MessageBuffer message;
        MessageWriter writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(BusName, path, iface, member, signature, MessageFlags.None);
            arguments?.Invoke(ref writer);
            message = writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
        return connection.CallMethodAsync(message, reader, null);
    }

    private delegate void MessageWriterAction(ref MessageWriter writer);

    /// <summary>utime + stime of a process from /proc/PID/stat, in ns.</summary>
    private static long DaemonCpuNanoseconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
        return ticks * 10_000_000; // USER_HZ 100
    }
}
