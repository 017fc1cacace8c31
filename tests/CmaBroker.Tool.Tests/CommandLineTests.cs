using System.Reflection;
using CmaBroker.Doe.Errors;
using CmaBroker.Tool.Cli;
using NUnit.Framework;

namespace CmaBroker.Tool.Tests;

public class CommandLineTests
{
    private static IEnumerable<(string Name, int Code)> SharedExitCodes() =>
        typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (f.Name, (int)f.GetRawConstantValue()!));

    [Test]
    public async Task HelpDocumentsEveryCommandOptionTargetAndExitCode()
    {
        var run = await CmaToolRunner.RunAsync("--help");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success));
        foreach (string section in new[] { "NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "GLOBAL OPTIONS", "TARGETS", "OUTPUT", "EXIT STATUS", "EXAMPLES" })
            Assert.That(run.Stdout, Does.Contain("\n" + section + "\n").Or.StartWith(section + "\n"), section);
        foreach (var command in ToolCommands.All)
            Assert.That(run.Stdout, Does.Contain("cmatool " + command.Name), command.Name);
        foreach (var option in ToolOptions.All)
            Assert.That(run.Stdout, Does.Contain(option.Name), option.Name);
        foreach (string target in new[] { "pci:DDDD:BB:DD.F", "emulated:PROFILE[#N][@ADDRESS]", "spdm-socket:HOST:PORT[@ADDRESS]" })
            Assert.That(run.Stdout, Does.Contain(target));
        foreach (var (name, code) in SharedExitCodes())
            Assert.That(run.Stdout, Does.Match($@"\n\s+{code}\s+{name}\s"), name);
    }

    [Test]
    public async Task ShortHelpIsTheSameAsLongHelp()
    {
        var shortHelp = await CmaToolRunner.RunAsync("-h");
        var longHelp = await CmaToolRunner.RunAsync("discover", "--help");

        Assert.That(shortHelp.Stdout, Is.EqualTo(longHelp.Stdout));
        Assert.That(shortHelp.ExitCode, Is.EqualTo(ExitCodes.Success));
    }

    [Test]
    public void ExitCodeTableDescribesEverySharedCodeOnce()
    {
        var described = ExitCodeTable.Entries.Select(e => (e.Name, e.Code)).ToList();

        Assert.That(described, Is.EquivalentTo(SharedExitCodes()));
    }

    [TestCase("README.md")]
    [TestCase("docs/exit-codes.md")]
    public void DocumentsListEverySharedExitCode(string document)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, document));

        foreach (var (name, code) in SharedExitCodes())
            Assert.That(text, Does.Match($@"\|\s*{code}\s*\|\s*{name}\s*\|"), $"{document}: {name}");
    }

    [Test]
    public async Task VersionPrintsTheAssemblyVersion()
    {
        var run = await CmaToolRunner.RunAsync("--version");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success));
        Assert.That(run.Stdout, Does.Match(@"^cmatool \d+\.\d+\.\d+"));
    }

    [TestCase(new string[0], "no command")]
    [TestCase(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [TestCase(new[] { "discover" }, "expects 1 argument")]
    [TestCase(new[] { "discover", "emulated:good", "extra" }, "expects 1 argument")]
    [TestCase(new[] { "discover", "emulated:good", "--frob" }, "unknown option '--frob'")]
    [TestCase(new[] { "discover", "emulated:good", "--trust", "x" }, "--trust does not apply to 'discover'")]
    [TestCase(new[] { "discover", "emulated:good", "--timeout-ms" }, "needs a value")]
    [TestCase(new[] { "discover", "emulated:good", "--timeout-ms", "0" }, "--timeout-ms")]
    [TestCase(new[] { "discover", "emulated:good", "--json=yes" }, "takes no value")]
    [TestCase(new[] { "discover", "emulated:good", "--timeout-ms", "5", "--timeout-ms", "6" }, "more than once")]
    [TestCase(new[] { "discover", "pci:03:00.0" }, "not a PCI address")]
    [TestCase(new[] { "discover", "emulated:good#x" }, "instance")]
    [TestCase(new[] { "authenticate", "emulated:good", "--slot", "8" }, "--slot")]
    public async Task MalformedCommandLinesAreUsageErrors(string[] args, string reason)
    {
        var run = await CmaToolRunner.RunAsync(args);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Usage), run.ToString());
        Assert.That(run.Stderr, Does.StartWith("cmatool: ").And.Contain(reason));
        Assert.That(run.Stdout, Is.Empty);
    }

    [Test]
    public async Task OptionsMayComeBeforeTheCommandAndUseTheEqualsForm()
    {
        var run = await CmaToolRunner.RunAsync("--timeout-ms=5000", "--json", "discover", "emulated:no-cma");

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Success), run.ToString());
        Assert.That(run.Stdout.TrimStart(), Does.StartWith("{"));
    }

    [Test]
    public async Task TheBuiltExecutableRunsAsItsOwnProcess()
    {
        var version = await CmaToolRunner.RunProcessAsync("--version");
        var missing = await CmaToolRunner.RunProcessAsync("discover", "emulated:no-such-profile");
        var usage = await CmaToolRunner.RunProcessAsync("discover");

        Assert.That(version.ExitCode, Is.EqualTo(ExitCodes.Success), version.ToString());
        Assert.That(version.Stdout, Does.StartWith("cmatool "));
        Assert.That(missing.ExitCode, Is.EqualTo(ExitCodes.NotFound), missing.ToString());
        Assert.That(usage.ExitCode, Is.EqualTo(ExitCodes.Usage), usage.ToString());
    }
}
