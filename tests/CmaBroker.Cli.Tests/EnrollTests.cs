using CmaBroker.TestSupport;
using System.Text.Json;
using CmaBroker.Cli.Tests.Harness;
using CmaBroker.Doe.Errors;
using CmaBroker.Emulation.Profiles;

namespace CmaBroker.Cli.Tests;

/// <summary>enroll, each test against a broker of its own whose reference.d starts empty (enrolling changes verdicts).</summary>
[TestFixture]
public sealed class EnrollTests
{
    private static readonly string Good = BrokerUnderTest.AddressOf("good");
    private BrokerUnderTest _broker = null!;

    [SetUp]
    public async Task StartBrokerAsync() => _broker = await BrokerUnderTest.StartAsync(["emulated:good#0", "emulated:bad-cert#0"]);

    [TearDown]
    public async Task StopBrokerAsync() => await _broker.DisposeAsync();

    [Test]
    public async Task EnrollWritesTheVerifiedMeasurementsAndTheDeviceThenMatches()
    {
        JsonElement before = await Cmactl.JsonAsync(_broker.Address, "show", Good);
        Assert.That(before.GetProperty("measurementState").GetString(), Is.EqualTo("no-reference"));

        RunResult enroll = await Cmactl.OnBusAsync(_broker.Address, "enroll", Good);

        Assert.That(enroll.ExitCode, Is.Zero, enroll.ToString);
        string file = enroll.Output.Trim()[(enroll.Output.IndexOf(": ", StringComparison.Ordinal) + 2)..];
        Assert.That(Path.GetDirectoryName(Path.GetFullPath(file)), Is.EqualTo(_broker.ReferenceDirectory));
        using (JsonDocument reference = JsonDocument.Parse(await File.ReadAllTextAsync(file)))
        {
            JsonElement entry = reference.RootElement.GetProperty("entries").EnumerateArray().Single();
            Assert.That(entry.GetProperty("vendorId").GetString(), Is.EqualTo("1b36"));
            Assert.That(entry.GetProperty("deviceId").GetString(), Is.EqualTo("ca01"));
            var measurements = entry.GetProperty("measurements").EnumerateObject().ToDictionary(p => byte.Parse(p.Name), p => p.Value.GetString());
            Assert.That(measurements, Is.EqualTo(SpdmProfiles.ExpectedMeasurements().ToDictionary(p => p.Key, p => (string?)Convert.ToHexStringLower(p.Value))));
        }
        JsonElement after = await Cmactl.JsonAsync(_broker.Address, "show", Good);
        Assert.That(after.GetProperty("measurementState").GetString(), Is.EqualTo("match"), "enroll re-judges the device");
    }

    /// <summary>Interface XML, Enroll: the entry is written from the current verified measurements; enrolling again rewrites it.</summary>
    [Test]
    public async Task EnrollingAgainRewritesTheSameReferenceFile()
    {
        RunResult first = await Cmactl.OnBusAsync(_broker.Address, "--json", "enroll", Good);
        Assert.That(first.ExitCode, Is.Zero, first.ToString);
        string firstFile;
        using (JsonDocument written = JsonDocument.Parse(first.Output))
            firstFile = written.RootElement.GetProperty("referenceFile").GetString()!;

        RunResult again = await Cmactl.OnBusAsync(_broker.Address, "--json", "enroll", Good);

        Assert.That(again.ExitCode, Is.Zero, again.ToString);
        using (JsonDocument written = JsonDocument.Parse(again.Output))
            Assert.That(written.RootElement.GetProperty("referenceFile").GetString(), Is.EqualTo(firstFile));
        Assert.That(Directory.GetFiles(_broker.ReferenceDirectory, "*.json"), Has.Length.EqualTo(1));
        JsonElement after = await Cmactl.JsonAsync(_broker.Address, "show", Good);
        Assert.That(after.GetProperty("measurementState").GetString(), Is.EqualTo("match"));
    }

    /// <summary>Interface XML, Enroll: "Needs an authenticated device (Error.Untrusted otherwise)".</summary>
    [Test]
    public async Task EnrollingAnUntrustedDeviceIsRefused()
    {
        RunResult result = await Cmactl.OnBusAsync(_broker.Address, "enroll", BrokerUnderTest.AddressOf("bad-cert"));

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Untrusted), result.ToString);
        Assert.That(result.Error, Does.Contain("org.cmabroker.Broker1.Error.Untrusted"));
        Assert.That(Directory.GetFiles(_broker.ReferenceDirectory, "*.json"), Is.Empty);
    }
}
