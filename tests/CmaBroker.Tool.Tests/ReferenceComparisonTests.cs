using System.Text.Json;
using CmaBroker.Doe.Errors;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

/// <summary>
/// <c>cmatool measurements|authenticate --reference</c>: blocks marked against reference values with the
/// daemon's comparison. The reference is the demo's reference.d (the good profile's measurements), so
/// the mismatch profile's blocks 2 and 4 differ (as the demo shows in cma-brokerd).
/// </summary>
public sealed class ReferenceComparisonTests : EmulatorTrustFixture
{
    private static readonly string DemoReference = Path.Combine(RepositoryPaths.Root, "packaging", "demo", "reference.d");
    [Test]
    public async Task MismatchingBlocksAreMarkedInText()
    {
        var run = await CmaToolRunner.RunAsync("measurements", "emulated:mismatch", "--trust", TrustPath, "--reference", DemoReference);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout, Does.Match(@"(?m)^reference: mismatch: blocks 2, 4 differ from 1b36:ca01"));
        string[] blockLines = run.Stdout.Split('\n').Where(l => l.TrimStart().StartsWith("index", StringComparison.Ordinal)).ToArray();
        Assert.That(blockLines, Is.Not.Empty);
        foreach (string line in blockLines)
        {
            bool differs = System.Text.RegularExpressions.Regex.IsMatch(line, @"^\s*index\s+[24]\s");
            Assert.That(line, differs ? Does.EndWith("<- DIFFERS from the reference") : Does.Not.Contain("DIFFERS"), line);
        }
        Assert.That(blockLines.Count(l => l.EndsWith("(matches the reference)", StringComparison.Ordinal)), Is.EqualTo(blockLines.Length - 2));
    }

    [Test]
    public async Task MismatchingBlocksAreMarkedInJson()
    {
        var run = await CmaToolRunner.RunAsync("--json", "measurements", "emulated:mismatch", "--trust", TrustPath, "--reference", DemoReference);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        var reference = document.RootElement.GetProperty("reference");
        Assert.That(reference.GetProperty("state").GetString(), Is.EqualTo("mismatch"));
        Assert.That(reference.GetProperty("mismatchedIndices").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 2, 4 }));
        var marks = document.RootElement.GetProperty("measurements").EnumerateArray()
            .ToDictionary(m => m.GetProperty("index").GetInt32(), m => m.GetProperty("reference").GetString());
        Assert.That(marks[2], Is.EqualTo("differs"));
        Assert.That(marks[4], Is.EqualTo("differs"));
        Assert.That(marks.Where(p => p.Key is not (2 or 4)).Select(p => p.Value), Has.All.EqualTo("match"));
    }

    [Test]
    public async Task GoodDeviceMatchesOneReferenceFile()
    {
        string file = Directory.GetFiles(DemoReference, "*.json").Single();

        var run = await CmaToolRunner.RunAsync("--json", "authenticate", "emulated:good", "--trust", TrustPath, "--reference", file);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        Assert.That(document.RootElement.GetProperty("reference").GetProperty("state").GetString(), Is.EqualTo("match"));
        Assert.That(document.RootElement.GetProperty("measurements").EnumerateArray().Select(m => m.GetProperty("reference").GetString()), Has.All.EqualTo("match"));
    }

    [Test]
    public async Task UntrustedDeviceIsNotCompared()
    {
        var run = await CmaToolRunner.RunAsync("--json", "measurements", "emulated:bad-cert", "--trust", TrustPath, "--reference", DemoReference);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Untrusted), run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        Assert.That(document.RootElement.GetProperty("reference").GetProperty("state").GetString(), Is.EqualTo("unavailable"));
        Assert.That(document.RootElement.GetProperty("measurements").EnumerateArray().Select(m => m.TryGetProperty("reference", out _)), Has.All.False);
    }

    [Test]
    public async Task WithoutReferenceNoMarkIsPrinted()
    {
        var run = await CmaToolRunner.RunAsync("--json", "measurements", "emulated:good", "--trust", TrustPath);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        Assert.That(document.RootElement.TryGetProperty("reference", out _), Is.False);
    }

    [Test]
    public async Task MissingReferencePathIsNotFoundBeforeAnyExchange()
    {
        string missing = Path.Combine(TrustPath, "no-such-reference.d");

        var run = await CmaToolRunner.RunAsync("measurements", "emulated:good", "--trust", TrustPath, "--reference", missing);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.NotFound), run.ToString());
        Assert.That(run.Stderr, Does.Contain($"reference path {missing} does not exist"));
        Assert.That(run.Stdout, Is.Empty);
    }

    [Test]
    public async Task MalformedReferenceFileIsAUsageErrorNamingTheFile()
    {
        string file = Path.Combine(TrustPath, "broken.json");
        await File.WriteAllTextAsync(file, "{ \"entries\": [ { \"vendorId\": \"zz\" } ] }");

        var run = await CmaToolRunner.RunAsync("measurements", "emulated:good", "--trust", TrustPath, "--reference", file);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.Contain(file));
    }
}
