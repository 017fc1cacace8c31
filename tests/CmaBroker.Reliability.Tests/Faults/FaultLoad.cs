using System.Collections.Concurrent;
using CmaBroker.Daemon.Tests.Infrastructure;
using Tmds.DBus.Protocol;

namespace CmaBroker.Reliability.Tests.Faults;

/// <summary>A response that arrived but is not the one the request asked for (lost, mixed up or corrupted).</summary>
public sealed class WrongAnswerException(string message) : Exception(message);

/// <summary>
/// One client of the fault matrix's load: its own D-Bus connection, one call repeated until stopped, and what came
/// back (successes with their times, every D-Bus error by name, every wrong answer).
/// </summary>
public sealed class LoadClient(string name, Func<BusClient, Random, Task> call)
{
    private long _successes;
    private long _lastSuccessTicks;

    public string Name { get; } = name;

    public long Successes => Interlocked.Read(ref _successes);

    /// <summary>When the last call succeeded (UTC), or MinValue.</summary>
    public DateTime LastSuccess => new(Interlocked.Read(ref _lastSuccessTicks), DateTimeKind.Utc);

    public ConcurrentQueue<(DateTime At, string Name, string Message)> Errors { get; } = new();

    public ConcurrentQueue<string> WrongAnswers { get; } = new();

    public int ErrorsSince(DateTime time) => Errors.Count(e => e.At >= time);

    public async Task RunAsync(string busAddress, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        using BusClient bus = await BusClient.ConnectAsync(busAddress);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await call(bus, random);
                Interlocked.Increment(ref _successes);
                Interlocked.Exchange(ref _lastSuccessTicks, DateTime.UtcNow.Ticks);
            }
            catch (DBusErrorReplyException e)
            {
                Errors.Enqueue((DateTime.UtcNow, e.ErrorName, e.ErrorMessage));
                // A dead or gone mailbox answers at once: do not spin on it.
                await Task.Delay(20, CancellationToken.None);
            }
            catch (WrongAnswerException e)
            {
                WrongAnswers.Enqueue(e.Message);
            }
        }
    }

    public override string ToString() =>
        $"{Name}: {Successes} ok, errors [{string.Join(", ", Errors.GroupBy(e => e.Name).Select(g => $"{g.Key.Replace(Names.ErrorPrefix, "")} ×{g.Count()}"))}]"
        + (WrongAnswers.IsEmpty ? "" : $", wrong answers [{string.Join("; ", WrongAnswers.Take(3))}]")
        + (Errors.IsEmpty ? "" : $", first error: {Errors.First().Message}");

    /// <summary>DOE Discovery on one mailbox; the index is the tag: the answer must be exactly the entry it names.</summary>
    public static LoadClient Discovery(string name, string mailboxPath, IReadOnlyList<(ushort Vendor, byte Type)> protocols) =>
        new(name, async (bus, random) =>
        {
            int index = random.Next(protocols.Count);
            byte[] response = await bus.ExchangeAsync(mailboxPath, Names.Mailbox, 1, 0, [(byte)index, 0, 0, 0]);
            (ushort vendor, byte type) = protocols[index];
            int next = index + 1 == protocols.Count ? 0 : index + 1;
            byte[] expected = [(byte)vendor, (byte)(vendor >> 8), type, (byte)next];
            if (!response.AsSpan().SequenceEqual(expected))
                throw new WrongAnswerException($"{mailboxPath} index {index}: got {Convert.ToHexString(response)}, expected {Convert.ToHexString(expected)}");
        });

    /// <summary>SPDM through the daemon: Device.GetEvidence over a fresh nonce, which must come back with measurements.</summary>
    public static LoadClient Evidence(string name, string devicePath) =>
        new(name, async (bus, random) =>
        {
            byte[] nonce = new byte[32];
            random.NextBytes(nonce);
            Dictionary<string, VariantValue> evidence = await bus.CallAsync(devicePath, Names.Device, "GetEvidence", "ay",
                (ref MessageWriter w) => w.WriteArray(nonce),
                static (Message m, object? _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue());
            if (!evidence["nonce"].GetArray<byte>().AsSpan().SequenceEqual(nonce) || evidence["measurements"].Count == 0)
                throw new WrongAnswerException($"{devicePath}: evidence for another nonce or without measurements");
        });

    /// <summary>Measurements read inside the broker's secure session (established on demand).</summary>
    public static LoadClient SessionMeasurements(string name, string devicePath) =>
        new(name, async (bus, _) =>
        {
            int blocks = await bus.CallAsync(devicePath, Names.Device, "GetMeasurements", "a{sv}",
                (ref MessageWriter w) =>
                {
                    ArrayStart options = w.WriteDictionaryStart();
                    w.WriteDictionaryEntryStart();
                    w.WriteString("session");
                    w.WriteVariantBool(true);
                    w.WriteDictionaryEnd(options);
                },
                static (Message m, object? _) =>
                {
                    Reader reader = m.GetBodyReader();
                    int count = 0;
                    ArrayEnd end = reader.ReadArrayStart(DBusType.Struct);
                    while (reader.HasNext(end))
                    {
                        reader.AlignStruct();
                        reader.ReadByte();
                        reader.ReadByte();
                        reader.ReadByte();
                        reader.ReadArrayOfByte();
                        count++;
                    }
                    return count;
                });
            if (blocks == 0)
                throw new WrongAnswerException($"{devicePath}: no measurement blocks in the session");
        });
}
