using System.Text.RegularExpressions;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>One payload step of the guest: its output between the console markers and its exit code.</summary>
public sealed record GuestStep(string Name, int ExitCode, string Output);

/// <summary>
/// The guest's serial console, cut into the steps that tests/e2e/qemu/init.sh prints between
/// <c>@@CMA-E2E-BEGIN NAME@@</c> and <c>@@CMA-E2E-END NAME rc=RC@@</c>.
/// </summary>
public sealed partial class GuestConsole
{
    private readonly Dictionary<string, GuestStep> _steps;

    private GuestConsole(string text, Dictionary<string, GuestStep> steps, string? nvmeAddress, bool finished)
    {
        Text = text;
        _steps = steps;
        NvmeAddress = nvmeAddress;
        Finished = finished;
    }

    /// <summary>The whole console output.</summary>
    public string Text { get; }

    /// <summary>The PCI address /init found for QEMU's NVMe, or null.</summary>
    public string? NvmeAddress { get; }

    /// <summary>True when /init reached its end marker (every step ran).</summary>
    public bool Finished { get; }

    public IReadOnlyCollection<string> StepNames => _steps.Keys;

    public static GuestConsole Parse(string text)
    {
        var lines = text.Replace("\r", "").Split('\n');
        var steps = new Dictionary<string, GuestStep>();
        string? open = null;
        var body = new List<string>();
        string? nvme = null;
        var finished = false;
        foreach (var line in lines)
        {
            if (open is null)
            {
                if (BeginMarker().Match(line) is { Success: true } begin)
                {
                    open = begin.Groups[1].Value;
                    body.Clear();
                }
                else if (NvmeMarker().Match(line) is { Success: true } found)
                    nvme = found.Groups[1].Value == "none" ? null : found.Groups[1].Value;
                else if (line.Contains("@@CMA-E2E-DONE@@", StringComparison.Ordinal))
                    finished = true;
                continue;
            }
            if (EndMarker().Match(line) is { Success: true } end && end.Groups[1].Value == open)
            {
                steps[open] = new GuestStep(open, int.Parse(end.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), string.Join('\n', body).Trim());
                open = null;
                continue;
            }
            body.Add(line);
        }
        return new GuestConsole(text, steps, nvme, finished);
    }

    public bool TryGetStep(string name, out GuestStep step) => _steps.TryGetValue(name, out step!);

    /// <summary>The named step; an exception quoting the console when the guest never printed it.</summary>
    public GuestStep Step(string name) =>
        _steps.TryGetValue(name, out var step)
            ? step
            : throw new KeyNotFoundException($"the guest printed no step '{name}' (steps: {string.Join(", ", _steps.Keys)}); console:\n{Text}");

    [GeneratedRegex(@"@@CMA-E2E-BEGIN (\S+)@@")]
    private static partial Regex BeginMarker();

    [GeneratedRegex(@"@@CMA-E2E-END (\S+) rc=(\d+)@@")]
    private static partial Regex EndMarker();

    [GeneratedRegex(@"@@CMA-E2E-NVME (\S+)@@")]
    private static partial Regex NvmeMarker();
}
