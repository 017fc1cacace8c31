using System.Text.Json;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

/// <summary>
/// <c>cmatool session --transfer-size / --emulator-transfer-size</c>: with both sides at the minimum DataTransferSize
/// (42 bytes) a P-384 KEY_EXCHANGE, FINISH and the in-session all-blocks MEASUREMENTS cannot travel in one piece, so
/// the session only comes up through CHUNK_SEND and CHUNK_GET; its results equal an unchunked run's.
/// </summary>
public class ChunkedSessionCommandTests : EmulatorTrustFixture
{
    private static string[] Session(params string[] extra) =>
        ["--json", "session", "emulated:good", "--dhe", "secp384r1", "--measure", "--key-update", .. extra];

    [Test]
    public async Task AtTheMinimumTransferSizeTheSessionMatchesAnUnchunkedOne()
    {
        var plain = await CmaToolRunner.RunAsync([.. Session("--trust", TrustPath)]);
        var chunked = await CmaToolRunner.RunAsync([.. Session("--trust", TrustPath, "--transfer-size", "42", "--emulator-transfer-size", "42")]);

        Assert.That(plain.ExitCode, Is.EqualTo(ExitCodes.Success), plain.ToString());
        Assert.That(chunked.ExitCode, Is.EqualTo(ExitCodes.Success), chunked.ToString());
        using var plainJson = JsonDocument.Parse(plain.Stdout);
        using var chunkedJson = JsonDocument.Parse(chunked.Stdout);
        var large = chunkedJson.RootElement.GetProperty("largeMessages");
        Assert.That(large.GetProperty("chunking").GetBoolean(), Is.True, "CHUNK_CAP on both sides");
        Assert.That(large.GetProperty("deviceDataTransferSize").GetUInt32(), Is.EqualTo(42));
        Assert.That(large.GetProperty("requesterDataTransferSize").GetUInt32(), Is.EqualTo(42));
        Assert.That(plainJson.RootElement.GetProperty("largeMessages").GetProperty("deviceDataTransferSize").GetUInt32(), Is.GreaterThan(1000),
            "the unchunked run's device takes whole messages");
        Assert.That(chunkedJson.RootElement.GetProperty("measurements").GetArrayLength(), Is.GreaterThan(0));
        Assert.That(chunkedJson.RootElement.GetProperty("measurements").GetRawText(), Is.EqualTo(plainJson.RootElement.GetProperty("measurements").GetRawText()));
        Assert.That(chunkedJson.RootElement.GetProperty("algorithms").GetProperty("dhe").GetString(), Is.EqualTo("secp384r1"));
        Assert.That(chunkedJson.RootElement.GetProperty("ended").GetBoolean(), Is.True);
    }

    [Test]
    public async Task TheTextOutputSaysWhatWasNegotiated()
    {
        var run = await CmaToolRunner.RunAsync("session", "emulated:good", "--trust", TrustPath, "--emulator-transfer-size", "64");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.Contain("large messages: CHUNK_CAP negotiated, DataTransferSize device 64, requester 1048568"));
    }

    [TestCase("--transfer-size", "41")]
    [TestCase("--emulator-transfer-size", "41")]
    [TestCase("--emulator-transfer-size", "65537")]
    public async Task SizesOutOfRangeAreUsageErrors(string option, string value)
    {
        var run = await CmaToolRunner.RunAsync("session", "emulated:good", "--trust", TrustPath, option, value);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.Contain(option));
    }

    [Test]
    public async Task TheEmulatorSizeOnlyAppliesToEmulatedTargets()
    {
        var run = await CmaToolRunner.RunAsync("session", "spdm-socket:127.0.0.1:9", "--trust", TrustPath, "--emulator-transfer-size", "42");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.Contain("--emulator-transfer-size only applies to emulated: targets"));
    }
}
