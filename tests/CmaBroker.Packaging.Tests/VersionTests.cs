using System.Text.RegularExpressions;
using NUnit.Framework;

namespace CmaBroker.Packaging.Tests;

/// <summary>One version (Directory.Build.props) in debian/changelog, every program's --version and the Manager's Version property.</summary>
public sealed partial class VersionTests
{
    [Test]
    public void ChangelogTopEntryCarriesThePropsVersion()
    {
        string first = File.ReadLines(RepositoryFiles.Path("debian", "changelog")).First();
        var match = ChangelogHeader().Match(first);
        Assert.That(match.Success, Is.True, first);
        Assert.That(match.Groups[1].Value, Is.EqualTo("cma-broker"));
        Assert.That(match.Groups[2].Value, Is.EqualTo(Programs.PropsVersion()), "debian/changelog must name the version in Directory.Build.props");
    }

    [TestCase("cma-brokerd")]
    [TestCase("cmactl")]
    [TestCase("cmatool")]
    public async Task ProgramPrintsThePropsVersion(string program)
    {
        var run = await Programs.RunAsync(program, "--version");
        Assert.That(run.ExitCode, Is.Zero, run.ToString);
        Assert.That(run.Output.Trim(), Is.EqualTo($"{program} {Programs.PropsVersion()}"));
    }

    [Test]
    public void ManagerVersionPropertyIsThePropsVersion()
    {
        Assert.That(CmaBroker.Daemon.Objects.ManagerInterface.Version, Is.EqualTo(Programs.PropsVersion()));
    }

    [GeneratedRegex(@"^(\S+) \(([^)]+)\) \S+; urgency=\w+$")]
    private static partial Regex ChangelogHeader();
}
