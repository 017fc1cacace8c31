using System.Text.RegularExpressions;

namespace CmaBroker.Packaging.Tests;

/// <summary>One <c>KEY{ATTR}OP"VALUE"</c> term of a udev rule line.</summary>
internal sealed record UdevTerm(string Key, string? Attribute, string Operator, string Value);

/// <summary>
/// A small offline checker for udev rules files, following the grammar of systemd 252's udev-rules.c:
/// one rule per line, comma-separated <c>KEY[{ATTR}] OP "VALUE"</c> terms, match keys take == or !=, assignment keys
/// take = += -= :=, every GOTO has its LABEL. (systemd 252 has no `udevadm verify`, which arrived in 254.)
/// </summary>
internal static partial class UdevRuleChecker
{
    private static readonly HashSet<string> MatchOnlyKeys =
        ["ACTION", "DEVPATH", "KERNEL", "KERNELS", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER", "DRIVERS", "ATTRS", "TAGS", "TEST", "PROGRAM", "RESULT", "SYSCTL", "CONST"];

    private static readonly HashSet<string> AssignOnlyKeys =
        ["IMPORT", "RUN", "GOTO", "LABEL", "OPTIONS", "OWNER", "GROUP", "MODE", "SECLABEL", "WAIT_FOR"];

    private static readonly HashSet<string> EitherKeys = ["ENV", "ATTR", "TAG", "NAME", "SYMLINK"];

    private static readonly HashSet<string> AttributeKeys = ["ENV", "ATTR", "ATTRS", "IMPORT", "RUN", "TEST", "SYSCTL", "CONST", "SECLABEL"];

    public static IReadOnlyList<IReadOnlyList<UdevTerm>> Parse(string text, List<string> errors)
    {
        var rules = new List<IReadOnlyList<UdevTerm>>();
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            if (line.EndsWith('\\'))
            {
                errors.Add($"line {lineNumber}: continuation lines are not used in this project's rules");
                continue;
            }
            var terms = new List<UdevTerm>();
            int position = 0;
            while (position < line.Length)
            {
                var match = TermPattern().Match(line, position);
                if (!match.Success || match.Index != position)
                {
                    errors.Add($"line {lineNumber}: cannot parse at column {position + 1}: '{line[position..]}'");
                    break;
                }
                var term = new UdevTerm(match.Groups["key"].Value, match.Groups["attr"].Success ? match.Groups["attr"].Value : null,
                    match.Groups["op"].Value, match.Groups["value"].Value);
                CheckTerm(term, lineNumber, errors);
                terms.Add(term);
                position = match.Index + match.Length;
            }
            rules.Add(terms);
        }
        CheckLabels(rules, errors);
        return rules;
    }

    private static void CheckTerm(UdevTerm term, int line, List<string> errors)
    {
        bool isMatch = term.Operator is "==" or "!=";
        bool known = MatchOnlyKeys.Contains(term.Key) || AssignOnlyKeys.Contains(term.Key) || EitherKeys.Contains(term.Key);
        if (!known)
            errors.Add($"line {line}: unknown key {term.Key}");
        else if (isMatch && AssignOnlyKeys.Contains(term.Key))
            errors.Add($"line {line}: {term.Key} cannot be matched ({term.Operator})");
        else if (!isMatch && MatchOnlyKeys.Contains(term.Key))
            errors.Add($"line {line}: {term.Key} cannot be assigned ({term.Operator})");
        if (term.Attribute is null && AttributeKeys.Contains(term.Key) && term.Key is not ("IMPORT" or "RUN" or "TEST"))
            errors.Add($"line {line}: {term.Key} needs {{ATTRIBUTE}}");
        if (term.Attribute is not null && !AttributeKeys.Contains(term.Key))
            errors.Add($"line {line}: {term.Key} takes no {{ATTRIBUTE}}");
        if (term.Key == "IMPORT" && term.Attribute is not ("program" or "builtin" or "file" or "db" or "cmdline" or "parent"))
            errors.Add($"line {line}: IMPORT{{{term.Attribute}}} is not an import type");
    }

    private static void CheckLabels(List<IReadOnlyList<UdevTerm>> rules, List<string> errors)
    {
        var labels = rules.SelectMany(r => r).Where(t => t.Key == "LABEL").Select(t => t.Value).ToHashSet();
        foreach (var target in rules.SelectMany(r => r).Where(t => t.Key == "GOTO").Select(t => t.Value))
        {
            if (!labels.Contains(target))
                errors.Add($"GOTO=\"{target}\" has no LABEL");
        }
    }

    // KEY, optional {ATTR}, operator, double-quoted value (no embedded quotes), then a comma or the end.
    [GeneratedRegex("""\G\s*(?<key>[A-Z_]+)(\{(?<attr>[^}]*)\})?\s*(?<op>==|!=|\+=|-=|:=|=)\s*"(?<value>[^"]*)"\s*(,\s*|$)""")]
    private static partial Regex TermPattern();
}
