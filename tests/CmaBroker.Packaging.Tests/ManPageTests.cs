using System.Text;
using NUnit.Framework;

namespace CmaBroker.Packaging.Tests;

/// <summary>
/// The man pages come from --help (packaging/man/help-to-man.sh, run by debian/rules on the built programs):
/// reading a generated page back gives the --help text line for line, so a page cannot say less or other
/// than the program. <see cref="DebPackageTests"/> compares the pages inside the .deb with these.
/// </summary>
public sealed class ManPageTests
{
    [TestCase("cma-brokerd", "8")]
    [TestCase("cmactl", "1")]
    [TestCase("cmatool", "1")]
    public async Task ManPageReadsBackAsTheHelpText(string program, string section)
    {
        string help = await Programs.HelpAsync(program);
        string page = await Programs.ConvertAsync(help, "help-to-man.sh", program, section, Programs.PropsVersion());

        Assert.That(page, Does.StartWith($".TH \"{program.ToUpperInvariant()}\" \"{section}\" \"\" \"cma-broker {Programs.PropsVersion()}\""));
        Assert.That(ReadBack(page), Is.EqualTo(Normalize(help)));
    }

    [Test]
    public async Task NameSectionIsAWhatisLine()
    {
        string page = await Programs.ConvertAsync(await Programs.HelpAsync("cmactl"), "help-to-man.sh", "cmactl", "1", "0");
        Assert.That(page, Does.Contain(".SH NAME\ncmactl \\- query and drive"));
    }

    [Test]
    public async Task ReadBackWouldSeeADroppedLine()
    {
        // Proves the comparison can fail: a help text with one more line than the page.
        string help = await Programs.HelpAsync("cmactl");
        string page = await Programs.ConvertAsync(help, "help-to-man.sh", "cmactl", "1", "0");
        Assert.That(ReadBack(page), Is.Not.EqualTo(Normalize(help + "    one more line\n")));
    }

    /// <summary>The help text a page was made from: section titles unindented, body indented by four spaces, escapes undone.</summary>
    internal static string ReadBack(string page)
    {
        var text = new StringBuilder();
        foreach (string line in page.Split('\n'))
        {
            if (line.StartsWith(".TH ", StringComparison.Ordinal) || line is ".nf" or ".fi")
                continue;
            if (line.StartsWith(".SH ", StringComparison.Ordinal))
            {
                text.Append('\n').Append(line[4..]).Append('\n');
                continue;
            }
            string body = line.Replace("\\-", "-").Replace("\\&", "").Replace("\\e", "\\");
            text.Append(body.Length == 0 ? "\n" : "    " + body + "\n");
        }
        return Normalize(text.ToString());
    }

    /// <summary>Blank lines and trailing spaces do not count (roff collapses them).</summary>
    internal static string Normalize(string text) =>
        string.Join('\n', text.Replace("\r", "").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0));
}
