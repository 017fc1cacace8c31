namespace CmaBroker.Tool.Cli;

/// <summary>Every option cmatool knows; global ones apply to every command.</summary>
public static class ToolOptions
{
    public static readonly OptionSpec Json = new("--json", null, "Print one JSON document on standard output (camelCase keys, byte strings as lower-case hex).");
    public static readonly OptionSpec SysfsRoot = new("--sysfs-root", "DIR", "Root of sysfs for pci: targets and udev-probe (default /sys); lets tests use a fake tree.");
    public static readonly OptionSpec TimeoutMs = new("--timeout-ms", "N", "Timeout for each DOE exchange in milliseconds (default: 1000 on pci: and emulated: targets, as the DOE specification requires; 10000 on spdm-socket: targets).");
    public static readonly OptionSpec Help = new("--help", null, "Show this help and exit 0.");
    public static readonly OptionSpec Version = new("--version", null, "Print the version and exit 0.");

    public static readonly OptionSpec Mailbox = new("--mailbox", "OFFSET", "Use the DOE mailbox at this capability offset (e.g. 0x160) instead of the lowest-offset one that lists the protocol.");
    public static readonly OptionSpec Trust = new("--trust", "FILE|DIR", "Trust anchors: a PEM or DER certificate, or a directory of them; may be repeated.", Repeatable: true);
    public static readonly OptionSpec Slot = new("--slot", "N", "Certificate slot to challenge (0-7, default 0).");
    public static readonly OptionSpec Reference = new("--reference", "FILE|DIR", "Reference measurements to compare with (a reference .json file as the daemon's reference.d holds, or a directory of them; schema in packaging/reference.d/README.md): each block is marked match, differs or not in the reference, and the comparison's state (match, mismatch, no-reference, unavailable) is printed. Blocks of a device that is not authenticated are not compared (unavailable), as in the daemon.");
    public static readonly OptionSpec Port = new("--port", "N", "TCP port to listen on (default 2323, the spdm-emu default; 0 picks a free one); the bound port is printed.");

    public static IReadOnlyList<OptionSpec> Global { get; } = [Json, SysfsRoot, TimeoutMs, Help, Version];

    public static IReadOnlyList<OptionSpec> All { get; } = [.. Global, Mailbox, Trust, Slot, Reference, Port];

    /// <summary>The option named <paramref name="name"/> (<c>-h</c> is <c>--help</c>), or null.</summary>
    public static OptionSpec? Find(string name) =>
        name == "-h" ? Help : All.FirstOrDefault(o => o.Name == name);
}
