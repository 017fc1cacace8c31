using CmaBroker.IdeKm.Messages;
using CmaBroker.IdeKm.Registers;
using CmaBroker.IdeKm.Streams;
using CmaBroker.IdeKm.Tests.Fakes;

namespace CmaBroker.IdeKm.Tests;

/// <summary>
/// The order of every step, table-driven: the PCIe specification's example set-up (QUERY, KEY_PROG ×6
/// with the host keyed for the opposite direction, K_SET_GO Rx on both, Tx on both, enable, read
/// back), refresh on the other key set, and stop (Tx ×3 then Rx ×3).
/// </summary>
public sealed class SetupOrderTests
{
    private static readonly string[] Slots = ["K0|RX|PR", "K0|RX|NPR", "K0|RX|CPL", "K0|TX|PR", "K0|TX|NPR", "K0|TX|CPL"];

    private static string Swap(string slot) => slot.Contains("|RX|", StringComparison.Ordinal) ? slot.Replace("|RX|", "|TX|", StringComparison.Ordinal) : slot.Replace("|TX|", "|RX|", StringComparison.Ordinal);

    private static IEnumerable<string> KeyProgs(string set) =>
        Slots.Select(s => s.Replace("K0", set, StringComparison.Ordinal)).SelectMany(s => new[] { $"device KEY_PROG {s}", $"host key {Swap(s)}" });

    private static IEnumerable<string> Go(string set, string direction, string verb = "K_SET_GO", string hostVerb = "go")
    {
        var slots = new[] { "PR", "NPR", "CPL" }.Select(x => $"{set}|{direction}|{x}").ToArray();
        return slots.Select(s => $"device {verb} {s}").Concat(slots.Select(s => $"host {hostVerb} {s}"));
    }

    public static IEnumerable<TestCaseData> Operations()
    {
        yield return new TestCaseData("setup", new[] { "device QUERY", "host status", "device registers", "host registers" }
            .Concat(KeyProgs("K0")).Concat(Go("K0", "RX")).Concat(Go("K0", "TX"))
            .Concat(["device enable", "host enable", "device status", "host status"]).ToArray()).SetName("SetUpFollowsTheSpecificationsExample");
        yield return new TestCaseData("refresh", new[] { "device QUERY", "host status" }
            .Concat(KeyProgs("K1")).Concat(Go("K1", "RX")).Concat(Go("K1", "TX"))
            .Concat(["device status", "host status"]).ToArray()).SetName("RefreshKeysTheOtherSetInTheSameOrder");
        yield return new TestCaseData("stop", new[] { "device QUERY", "host status" }
            .Concat(Go("K0", "TX", "K_SET_STOP", "stop")).Concat(Go("K0", "RX", "K_SET_STOP", "stop"))
            .Concat(["device registers", "host registers", "host clear keys", "device status", "host status"]).ToArray()).SetName("StopEndsTxBeforeRx");
    }

    [TestCaseSource(nameof(Operations))]
    public async Task StepsComeInOrder(string operation, string[] expected)
    {
        var rig = new Rig();
        if (operation != "setup")
            await rig.Driver.SetupAsync(Rig.Options, CancellationToken.None);
        rig.Steps.Clear();

        var status = operation switch
        {
            "setup" => await rig.Driver.SetupAsync(Rig.Options, CancellationToken.None),
            "refresh" => await rig.Driver.RefreshAsync(Rig.Options.StreamId, Rig.Options.PortIndex, CancellationToken.None),
            _ => await rig.Driver.StopAsync(Rig.Options.StreamId, Rig.Options.PortIndex, CancellationToken.None),
        };

        Assert.That(Collapse(rig.Steps), Is.EqualTo(expected));
        Assert.That(status.State, Is.EqualTo(operation == "stop" ? IdeStreamState.Insecure : IdeStreamState.Secure));
        Assert.That(status.ActiveKeySet, Is.EqualTo(operation switch { "setup" => IdeKeySet.K0, "refresh" => IdeKeySet.K1, _ => (IdeKeySet?)null }));
    }

    /// <summary>Runs of one step (register writes, a block scan's status reads) become one entry; key steps never repeat.</summary>
    private static List<string> Collapse(List<string> steps)
    {
        var result = new List<string>();
        foreach (string step in steps)
            if (result.Count == 0 || result[^1] != step)
                result.Add(step);
        return result;
    }

    [Test]
    public async Task SetUpWritesAssociationAndControlOnBothPorts()
    {
        var rig = new Rig();
        await rig.Driver.SetupAsync(Rig.Options with { AddressRanges = [new IdeAddressRange(0x1_2340_0000, 0x1_235F_FFFF)] }, CancellationToken.None);
        foreach (var port in new[] { rig.DevicePort, rig.HostPort.Port })
        {
            int b = FakeIdePort.BlockOffset(0);
            Assert.That(port[b + IdeRegisters.SelectiveControl], Is.EqualTo(0x0500_0001u), "stream ID 5 in bits 31:24, enable");
            Assert.That(port[b + IdeRegisters.RidAssociation1], Is.EqualTo(0x0001_FF00u), "RID limit 0x01ff in bits 23:8");
            Assert.That(port[b + IdeRegisters.RidAssociation2], Is.EqualTo(0x0001_0001u), "RID base 0x0100 in bits 23:8, V");
            Assert.That(port[b + IdeRegisters.FirstAddressBlock], Is.EqualTo(0x2352_3401u), "V, base 31:20 = 0x234 in 19:8, limit 31:20 = 0x235 in 31:20");
            Assert.That(port[b + IdeRegisters.FirstAddressBlock + 4], Is.EqualTo(1u), "limit 63:32");
            Assert.That(port[b + IdeRegisters.FirstAddressBlock + 8], Is.EqualTo(1u), "base 63:32");
        }
    }
}

/// <summary>A driver wired to a fake device and a fake host port that share one step log.</summary>
internal sealed class Rig
{
    public static readonly IdeStreamOptions Options = new() { StreamId = 5, PortIndex = 0, RidBase = 0x0100, RidLimit = 0x01FF };

    public Rig(bool withHost = true)
    {
        DevicePort = new FakeIdePort("device", Steps);
        Device = new FakeDeviceChannel(Steps, DevicePort);
        HostPort = new FakeHostPort(Steps, new FakeIdePort("host", Steps));
        Driver = NewDriver(withHost);
    }

    public List<string> Steps { get; } = [];

    public FakeIdePort DevicePort { get; }

    public FakeDeviceChannel Device { get; }

    public FakeHostPort HostPort { get; }

    public SelectiveStreamDriver Driver { get; }

    public Microsoft.Extensions.Logging.ILogger? Logger { get; init; }

    public SelectiveStreamDriver NewDriver(bool withHost = true, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        new(Device, DevicePort, withHost ? IdeHostBinding.Programmable(HostPort) : IdeHostBinding.NoProvider("ROOT_PORT 0000:00:01.0"), logger);
}
