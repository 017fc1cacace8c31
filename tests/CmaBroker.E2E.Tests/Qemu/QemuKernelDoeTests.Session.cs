using System.Text.Json;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>
/// The broker's secure session through a real kernel (issue 14), in the same boot: cma-brokerd in the guest
/// authenticates QEMU's NVMe through the sysfs config file, and cmactl establishes its session, reads the
/// measurements inside it and ends it (<see cref="SessionGuestScenario"/>).
/// </summary>
public sealed partial class QemuKernelDoeTests
{
    // KEY_EXCHANGE and KEY_EXCHANGE_RSP (DSP0274 Table 4/5): sent in the clear over DOE type 1, so the recording sees them.
    private const byte KeyExchange = 0xE4;
    private const byte KeyExchangeResponse = 0x64;

    [Test]
    public void TheSessionBrokerAuthenticatesTheNvmeAndHoldsNoSessionAtFirst()
    {
        using var show = ParseStep(SessionGuestScenario.BrokerShow, ExitCodes.Success);
        Assert.That(show.RootElement.GetProperty("authState").GetString(), Is.EqualTo("authenticated"),
            "the session broker must authenticate the NVMe (trust store /trust/good holds the responder's root) before a session is asked for:\n"
            + show.RootElement + "\n" + StepText(SessionGuestScenario.BrokerLog));
        var before = _console.Step(SessionGuestScenario.Before);
        Assert.That(before.ExitCode, Is.Zero, before.Output + "\n" + StepText(SessionGuestScenario.Before + ".stderr"));
        Assert.That(before.Output, Does.Contain("Session:      none"), "on-demand: no session before cmactl session --establish");
    }

    [Test]
    public void CmactlSessionEstablishEstablishesTheBrokersSessionThroughTheGuestKernel()
    {
        var establish = _console.Step(SessionGuestScenario.Establish);
        Assert.That(establish.ExitCode, Is.EqualTo(ExitCodes.Success),
            $"cmactl session --establish failed:\n{establish.Output}\n{StepText(SessionGuestScenario.Establish + ".stderr")}\n{StepText(SessionGuestScenario.BrokerLog)}");
        Assert.That(establish.Output, Does.Contain("Session:      established"), establish.Output);
        Assert.That(establish.Output, Does.Match(@"(?m)^SPDM version: 1\.[123]$"), "the text names the session's SPDM version");
        Assert.That(establish.Output, Does.Contain("Mutual:       no"), "the good profile does not ask for mutual authentication");
        foreach (var algorithm in new[] { "AEAD", "BaseAsym", "BaseHash", "DHE" })
            Assert.That(establish.Output, Does.Match($@"(?m)^  {algorithm} +\S"), $"the text lists the session's {algorithm}");

        using var json = ParseStep(SessionGuestScenario.Established, ExitCodes.Success);
        var root = json.RootElement;
        Assert.That(root.GetProperty("device").GetString(), Is.EqualTo(_console.NvmeAddress), root.ToString());
        Assert.That(root.GetProperty("state").GetString(), Is.EqualTo("established"), "SessionState after --establish: " + root);
        Assert.That(root.GetProperty("error").GetString(), Is.Empty);
        Assert.That(root.GetProperty("version").GetString(), Does.Match(@"^1\.[123]$"));
        Assert.That(establish.Output, Does.Contain("SPDM version: " + root.GetProperty("version").GetString()), "text and JSON name the same version");
        Assert.That(root.GetProperty("established").GetUInt64(), Is.GreaterThan(0UL), "SessionEstablished is set");
        Assert.That(root.GetProperty("mutual").GetBoolean(), Is.False);
        var algorithms = root.GetProperty("algorithms");
        foreach (var algorithm in new[] { "AEAD", "BaseAsym", "BaseHash", "DHE", "SecuredMessage" })
            Assert.That(algorithms.TryGetProperty(algorithm, out var value) ? value.GetString() : "", Is.Not.Empty, $"SessionAlgorithms has {algorithm}: {algorithms}");

        // On the host: one KEY_EXCHANGE for cmatool session, one for the broker's session, each answered, both
        // through the guest kernel's mailbox and QEMU (measurements --session reuses the broker's session).
        var keyExchanges = _responder.Exchanges.Count(e => e.RequestCode == KeyExchange);
        var answered = _responder.Exchanges.Count(e => e.RequestCode == KeyExchange && e.ResponseCode == KeyExchangeResponse);
        Assert.That((keyExchanges, answered), Is.EqualTo((2, 2)),
            "KEY_EXCHANGE requests (and KEY_EXCHANGE_RSP answers) the responder saw through QEMU: one for cmatool session, one for the broker's session");
    }

    [Test]
    public void CmactlMeasurementsSessionReadsTheSameBlocksInsideTheSession()
    {
        using var plain = ParseStep(SessionGuestScenario.PlainMeasurements, ExitCodes.Success);
        using var inSession = ParseStep(SessionGuestScenario.Measurements, ExitCodes.Success);
        var plainBlocks = Blocks(plain.RootElement);
        var sessionBlocks = Blocks(inSession.RootElement);
        Assert.That(sessionBlocks, Is.Not.Empty, "cmactl measurements --session printed no blocks: " + inSession.RootElement);
        Assert.That(sessionBlocks, Is.EqualTo(plainBlocks),
            "the blocks read inside the session must be the ones the broker verified without a session (authentication)");

        var text = _console.Step(SessionGuestScenario.MeasurementsText);
        Assert.That(text.ExitCode, Is.Zero, text.Output + "\n" + StepText(SessionGuestScenario.MeasurementsText + ".stderr"));
        Assert.That(text.Output, Does.Contain("INDEX"), text.Output);
        foreach (var (index, _, _, value) in sessionBlocks)
            Assert.That(text.Output, Does.Match($@"(?m)^{index}\s.*{value}"), $"the text table shows block {index}");

        // The session the measurements went through is the one --establish opened: still up, same establishment time.
        using var established = ParseStep(SessionGuestScenario.Established, ExitCodes.Success);
        using var after = ParseStep(SessionGuestScenario.AfterMeasurements, ExitCodes.Success);
        Assert.That(after.RootElement.GetProperty("state").GetString(), Is.EqualTo("established"), after.RootElement.ToString());
        Assert.That(after.RootElement.GetProperty("established").GetUInt64(),
            Is.EqualTo(established.RootElement.GetProperty("established").GetUInt64()), "measurements --session used the established session, not a new one");
    }

    [Test]
    public void CmactlSessionEndEndsTheSessionWithEndSession()
    {
        using var end = ParseStep(SessionGuestScenario.End, ExitCodes.Success);
        var root = end.RootElement;
        Assert.That(root.GetProperty("ended").GetBoolean(), Is.True, "EndSession must report that a session was up: " + root);
        Assert.That(root.GetProperty("state").GetString(), Is.EqualTo("none"), "SessionState after --end: " + root);
        Assert.That(root.GetProperty("version").GetString(), Is.Empty);
        Assert.That(root.GetProperty("established").GetUInt64(), Is.Zero);

        var afterEnd = _console.Step(SessionGuestScenario.AfterEnd);
        Assert.That(afterEnd.ExitCode, Is.Zero, afterEnd.Output);
        Assert.That(afterEnd.Output, Does.Contain("Session:      none"));

        var log = StepText(SessionGuestScenario.BrokerLog);
        Assert.That(log, Does.Contain("secure session established (SPDM"), "the broker logs the session it opened:\n" + log);
        Assert.That(log, Does.Contain("secure session ended (ended on request)"), "the broker logs END_SESSION on request:\n" + log);
        Assert.That(log, Does.Not.Contain("secure session failed").And.Not.Contain("END_SESSION not acknowledged"), log);
    }

    private static List<(int Index, int Specification, int ValueType, string Value)> Blocks(JsonElement array) =>
        [.. array.EnumerateArray().Select(b => (b.GetProperty("index").GetInt32(), b.GetProperty("specification").GetInt32(),
            b.GetProperty("valueType").GetInt32(), b.GetProperty("value").GetString() ?? ""))];
}
