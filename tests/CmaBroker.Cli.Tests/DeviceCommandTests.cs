using CmaBroker.TestSupport;
using System.Text.Json;
using System.Text.RegularExpressions;
using CmaBroker.Cli.Tests.Harness;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Cli.Tests;

/// <summary>list, show and authenticate against the real daemon: human and JSON output, verdict exit codes.</summary>
[TestFixture]
public sealed class DeviceCommandTests
{
    private static readonly string Good = BrokerUnderTest.AddressOf("good");
    private static readonly string BadCert = BrokerUnderTest.AddressOf("bad-cert");
    private static readonly string Mismatch = BrokerUnderTest.AddressOf("mismatch");
    private static readonly string NoCma = BrokerUnderTest.AddressOf("no-cma");
    private BrokerUnderTest _broker = null!;

    [OneTimeSetUp]
    public async Task StartBrokerAsync() => _broker = await SharedBroker.GetAsync();

    [Test]
    public async Task ListShowsOneRowPerDeviceWithItsVerdict()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "list");

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        string[] lines = result.Output.TrimEnd().Split('\n');
        Assert.That(lines[0], Does.Match(@"^ADDRESS\s+TARGET\s+ID\s+AUTH\s+MEASUREMENTS\s+DRIVER$"));
        Assert.That(lines, Has.Length.EqualTo(SharedBroker.Targets.Length + 1));
        Assert.That(result.Output, Does.Match($@"(?m)^{Regex.Escape(Good)}\s+emulated:good\s+1b36:ca01\s+authenticated\s+match\s+-$"));
        Assert.That(result.Output, Does.Match($@"(?m)^{Regex.Escape(BadCert)}\s+emulated:bad-cert\s+1b36:ca01\s+untrusted\s"));
        Assert.That(result.Output, Does.Match($@"(?m)^{Regex.Escape(Mismatch)}\s+emulated:mismatch\s+1b36:ca01\s+authenticated\s+mismatch\s"));
        Assert.That(result.Output, Does.Match($@"(?m)^{Regex.Escape(NoCma)}\s+emulated:no-cma\s+1b36:ca03\s+unsupported\s"));
    }

    [Test]
    public async Task ListJsonIsAnArrayOfDeviceObjectsSortedByAddress()
    {
        JsonElement devices = await Cmactl.JsonAsync(_broker.Address, "list");

        Assert.That(devices.ValueKind, Is.EqualTo(JsonValueKind.Array));
        string[] addresses = devices.EnumerateArray().Select(d => d.GetProperty("address").GetString()!).ToArray();
        Assert.That(addresses, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        JsonElement good = devices.EnumerateArray().Single(d => d.GetProperty("address").GetString() == Good);
        Assert.Multiple(() =>
        {
            Assert.That(good.GetProperty("path").GetString(), Is.EqualTo("/org/cmabroker/Broker1/devices/" + Good.Replace(':', '_').Replace('.', '_').Insert(0, "pci_")));
            Assert.That(good.GetProperty("authState").GetString(), Is.EqualTo("authenticated"));
            Assert.That(good.GetProperty("measurementState").GetString(), Is.EqualTo("match"));
            Assert.That(good.GetProperty("vendorId").GetInt32(), Is.EqualTo(0x1b36));
            Assert.That(good.GetProperty("deviceId").GetInt32(), Is.EqualTo(0xca01));
            Assert.That(good.GetProperty("spdmVersion").GetString(), Does.Match(@"^1\.[0-3]$"));
            Assert.That(good.GetProperty("certificateSlots").EnumerateArray().Select(e => e.GetInt32()), Does.Contain(0));
            Assert.That(good.GetProperty("target").GetString(), Is.EqualTo("emulated:good"));
        });
    }

    [Test]
    public async Task ShowPrintsTheMismatchAndTheMailbox()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "show", Mismatch);

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        Assert.That(result.Output, Does.StartWith($"Device {Mismatch} (/org/cmabroker/Broker1/devices/"));
        Assert.That(result.Output, Does.Match(@"(?m)^  MeasurementState:\s+mismatch$"));
        Assert.That(result.Output, Does.Match(@"(?m)^  MismatchedIndices:\s+2, 4$"));
        Assert.That(result.Output, Does.Match(@"(?m)^  AuthState:\s+authenticated$"));
        Assert.That(result.Output, Does.Match(@"(?m)^  AuthTime:\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"));
        Assert.That(result.Output, Does.Match(@"(?m)^  Mailbox doe_[0-9a-f]{4}$"));
        Assert.That(result.Output, Does.Match(@"(?m)^    Protocols:\s+\[\(0x0001, 0\), \(0x0001, 1\), \(0x0001, 2\)\]$"));
    }

    [Test]
    public async Task ShowPrintsTheVerdictKindLeafExpiryAnchorAndSlotDigests()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "show", Mismatch);

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        // Authenticated, but its measurements differ from the reference: the policy's objection, as a kind.
        Assert.That(result.Output, Does.Match(@"(?m)^  AuthErrorKind:\s+policy$"));
        Assert.That(result.Output, Does.Match(@"(?m)^  LeafNotAfter:\s+9999-12-31 23:59:59 UTC$"), "the emulator's leaves never expire");
        Assert.That(result.Output, Does.Match(@"(?m)^  TrustAnchor:\s+CN=CmaBroker Emulated Root CA .*$"));
        Assert.That(result.Output, Does.Match(@"(?m)^  SlotDigests:\s+\{0: [0-9a-f]{64,128}, 1: [0-9a-f]{64,128}\}$"));
    }

    [Test]
    public async Task AuthenticateOfASlotThatDoesNotCountIsReportedAsNotPublished()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "authenticate", Mismatch, "--slot", "1");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Untrusted), result.ToString);
        Assert.That(result.Output, Does.StartWith($"Device {Mismatch}: untrusted (slot 1, not published: the device stays authenticated)"));
        Assert.That(result.Output, Does.Match(@"(?m)^  auth_error_kind:\s+chain$"));
        Assert.That(result.Output, Does.Match(@"(?m)^  published:\s+no$"));
        RunResult show = await Cmactl.OnBusAsync(_broker.Address, "show", Mismatch);
        Assert.That(show.Output, Does.Match(@"(?m)^  AuthState:\s+authenticated$"));
    }

    [Test]
    public async Task ShowJsonCarriesDeviceAndMailboxProperties()
    {
        JsonElement device = await Cmactl.JsonAsync(_broker.Address, "show", "pci:" + Mismatch);

        Assert.That(device.GetProperty("address").GetString(), Is.EqualTo(Mismatch));
        Assert.That(device.GetProperty("mismatchedIndices").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 2, 4 }));
        JsonElement mailbox = device.GetProperty("mailboxDetails").EnumerateArray().Single();
        Assert.That(mailbox.GetProperty("path").GetString(), Does.StartWith(device.GetProperty("path").GetString() + "/doe_"));
        Assert.That(mailbox.GetProperty("state").GetString(), Is.EqualTo("idle"));
        Assert.That(mailbox.GetProperty("activeClass").GetString(), Is.Empty);
        Assert.That(mailbox.GetProperty("queueDepth").EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "discovery", "spdm", "cdat", "other" }));
        int[][] protocols = mailbox.GetProperty("protocols").EnumerateArray()
            .Select(p => p.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.That(protocols, Has.Some.EqualTo(new[] { 1, 0 }).And.Some.EqualTo(new[] { 1, 1 }));
    }

    [Test]
    public async Task ShowAcceptsTheObjectPath()
    {
        JsonElement byAddress = await Cmactl.JsonAsync(_broker.Address, "show", Good);
        string path = byAddress.GetProperty("path").GetString()!;

        JsonElement byPath = await Cmactl.JsonAsync(_broker.Address, "show", path);

        Assert.That(byPath.GetProperty("address").GetString(), Is.EqualTo(Good));
    }

    [Test]
    public async Task AuthenticateGoodDeviceExitsZero()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "authenticate", BrokerUnderTest.AddressOf("good", 1));

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Success), result.ToString);
        Assert.That(result.Output, Does.StartWith($"Device {BrokerUnderTest.AddressOf("good", 1)}: authenticated"));
        Assert.That(result.Output, Does.Match(@"(?m)^  leaf_digest:\s+[0-9a-f]{64}$"));
        Assert.That(result.Output, Does.Match(@"(?m)^  measurement_state:\s+match$"));
    }

    [Test]
    public async Task AuthenticateJsonReportsTheResultDictionary()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "--json", "authenticate", Mismatch);

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Success), result.ToString);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.That(json.RootElement.GetProperty("authState").GetString(), Is.EqualTo("authenticated"));
        JsonElement verdict = json.RootElement.GetProperty("result");
        Assert.That(verdict.GetProperty("auth_state").GetString(), Is.EqualTo("authenticated"));
        Assert.That(verdict.GetProperty("measurement_state").GetString(), Is.EqualTo("mismatch"));
        Assert.That(verdict.GetProperty("mismatched_indices").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 2, 4 }));
        Assert.That(verdict.GetProperty("auth_time").GetUInt64(), Is.GreaterThan(0UL));
    }

    [Test]
    public async Task AuthenticateUntrustedDeviceExitsUntrustedWithTheReason()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "authenticate", BadCert);

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Untrusted), result.ToString);
        Assert.That(result.Output, Does.StartWith($"Device {BadCert}: untrusted"));
        Assert.That(result.Output, Does.Match(@"(?m)^  Reason: .*rogue.*$"));
    }

    [Test]
    public async Task AuthenticateDeviceWithoutCmaExitsUnsupported()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "authenticate", NoCma);

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Unsupported), result.ToString);
        Assert.That(result.Output, Does.StartWith($"Device {NoCma}: unsupported"));
    }

    [Test]
    public async Task ExitCodesReachTheProcessExitStatus()
    {
        RunResult untrusted = await Cmactl.RunProcessAsync("--address", _broker.Address, "authenticate", BadCert);
        RunResult notFound = await Cmactl.RunProcessAsync("--address", _broker.Address, "show", "ca00:1f:00.0");

        Assert.That(untrusted.ExitCode, Is.EqualTo(ExitCodes.Untrusted), untrusted.ToString);
        Assert.That(notFound.ExitCode, Is.EqualTo(ExitCodes.NotFound), notFound.ToString);
        Assert.That(notFound.Error, Does.StartWith("cmactl: no device 'ca00:1f:00.0'"));
    }
}
