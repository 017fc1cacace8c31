using NUnit.Framework;

namespace CmaBroker.Packaging.Tests;

/// <summary>
/// packaging/udev/90-cma-broker.rules, checked offline: systemd 252's udevadm has no `verify` (254+) and
/// `udevadm test` only reads the installed rules directories for a live device, so the rule is parsed here.
/// </summary>
public class UdevRuleTests
{
    private static string RulePath => RepositoryFiles.Path("packaging", "udev", "90-cma-broker.rules");

    private static IReadOnlyList<IReadOnlyList<UdevTerm>> ParseRules()
    {
        var errors = new List<string>();
        var rules = UdevRuleChecker.Parse(File.ReadAllText(RulePath), errors);
        Assert.That(errors, Is.Empty);
        return rules;
    }

    [Test]
    public void RuleFileParses() => Assert.That(ParseRules(), Is.Not.Empty);

    [Test]
    public void OnlyPciAddAndBindReachTheProbe()
    {
        var rules = ParseRules();
        int probe = IndexOf(rules, t => t.Key == "IMPORT");
        var guards = rules.Take(probe).ToList();

        Assert.That(guards.Any(r => r.Any(t => t is { Key: "SUBSYSTEM", Operator: "!=", Value: "pci" }) && r.Any(t => t is { Key: "GOTO", Value: "cma_broker_end" })), Is.True);
        Assert.That(guards.Any(r => r.Any(t => t is { Key: "ACTION", Operator: "!=", Value: "add|bind" }) && r.Any(t => t is { Key: "GOTO", Value: "cma_broker_end" })), Is.True);
        Assert.That(IndexOf(rules, t => t is { Key: "LABEL", Value: "cma_broker_end" }), Is.EqualTo(rules.Count - 1), "the label closes the file");
    }

    [Test]
    public void ProbeIsImportedWithTheKernelName()
    {
        var import = ParseRules().SelectMany(r => r).Single(t => t.Key == "IMPORT");
        Assert.That(import, Is.EqualTo(new UdevTerm("IMPORT", "program", "=", "/usr/bin/cmatool udev-probe %k")));
    }

    [Test]
    public void ServiceIsWantedOnlyWhenTheProbeFoundADoeMailbox()
    {
        var rules = ParseRules();
        var wants = rules.Single(r => r.Any(t => t.Key == "ENV" && t.Attribute == "SYSTEMD_WANTS"));

        Assert.That(wants, Does.Contain(new UdevTerm("ENV", "CMA_BROKER_DOE", "==", "1")));
        Assert.That(wants, Does.Contain(new UdevTerm("TAG", null, "+=", "systemd")));
        Assert.That(wants, Does.Contain(new UdevTerm("ENV", "SYSTEMD_WANTS", "+=", "cma-broker.service")));
        Assert.That(IndexOf(rules, t => t.Key == "IMPORT"), Is.LessThan(rules.ToList().IndexOf(wants)), "the match follows the import");
    }

    [TestCase("SUBSYSTEM=\"pci\"", "cannot be assigned", TestName = "match key assigned")]
    [TestCase("IMPORT{program}==\"x\"", "cannot be matched", TestName = "assign key matched")]
    [TestCase("FOO==\"1\"", "unknown key", TestName = "unknown key")]
    [TestCase("ENV==\"1\"", "needs {ATTRIBUTE}", TestName = "ENV without attribute")]
    [TestCase("IMPORT{programme}=\"x\"", "not an import type", TestName = "bad import type")]
    [TestCase("ACTION==\"add\" TAG+=\"systemd\"", "cannot parse", TestName = "missing comma")]
    [TestCase("ACTION==\"add, TAG+=\"systemd\"", "cannot parse", TestName = "unbalanced quote")]
    [TestCase("GOTO=\"nowhere\"", "has no LABEL", TestName = "goto without label")]
    public void CheckerCatchesMistakes(string line, string expected)
    {
        var errors = new List<string>();
        UdevRuleChecker.Parse(line + "\n", errors);
        Assert.That(errors, Has.Some.Contains(expected));
    }

    private static int IndexOf(IReadOnlyList<IReadOnlyList<UdevTerm>> rules, Func<UdevTerm, bool> predicate) =>
        rules.Select((rule, index) => (rule, index)).First(p => p.rule.Any(predicate)).index;
}
