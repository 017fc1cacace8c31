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
    public async Task StartBrokerAsync() => _broker = await BrokerUnderTest.StartAsync(["emulated:good#0"]);

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

    /// <summary>Interface XML, Enroll: "overwrite" b, "default false: Error.InvalidArgument if present".</summary>
    [Test]
    public async Task EnrollingAgainWithoutOverwriteIsRefused()
    {
        RunResult first = await Cmactl.OnBusAsync(_broker.Address, "--json", "enroll", Good);
        Assert.That(first.ExitCode, Is.Zero, first.ToString);
        using (JsonDocument written = JsonDocument.Parse(first.Output))
            Assert.That(File.Exists(written.RootElement.GetProperty("referenceFile").GetString()), Is.True);

        RunResult again = await Cmactl.OnBusAsync(_broker.Address, "--json", "enroll", Good);
        Assert.That(again.ExitCode, Is.EqualTo(ExitCodes.Usage), again.ToString);
        Assert.That(again.Error, Does.Contain("org.cmabroker.Broker1.Error.InvalidArgument"));
    }
}
