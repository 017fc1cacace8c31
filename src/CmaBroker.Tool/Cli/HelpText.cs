using System.Text;

namespace CmaBroker.Tool.Cli;

/// <summary>The man-page style text printed by <c>cmatool --help</c>, built from the command and option tables.</summary>
public static class HelpText
{
    public static string Build()
    {
        var text = new StringBuilder();
        text.AppendLine("NAME");
        text.AppendLine("    cmatool - talk to one PCIe DOE target directly, without the cma-brokerd daemon");
        text.AppendLine();
        text.AppendLine("SYNOPSIS");
        text.AppendLine("    cmatool [--json] [--sysfs-root DIR] [--timeout-ms N] COMMAND ARGS [OPTIONS]");
        foreach (var command in ToolCommands.All)
            text.AppendLine("    " + command.Synopsis);
        text.AppendLine("    cmatool --help | -h");
        text.AppendLine("    cmatool --version");
        text.AppendLine();
        text.AppendLine("DESCRIPTION");
        Wrap(text, "cmatool opens one target (a real PCI function, an emulated device or an SPDM responder on a socket), finds its DOE (Data Object Exchange) mailboxes and talks to them: DOE Discovery, raw exchanges, CMA/SPDM device authentication, and reading a CXL device's CDAT. It is the standalone companion of cma-brokerd and cmactl (as fwupdtool is of fwupdmgr): do not use it on a device the daemon is serving.", 4);
        text.AppendLine();
        text.AppendLine("COMMANDS");
        foreach (var command in ToolCommands.All)
        {
            text.AppendLine($"    {command.Name} {string.Join(' ', command.Positionals)}");
            Wrap(text, command.Summary + " " + command.Description, 8);
            foreach (var option in command.Options)
            {
                text.AppendLine($"        {option.Synopsis}");
                Wrap(text, option.Help, 12);
            }
            text.AppendLine();
        }
        text.AppendLine("GLOBAL OPTIONS");
        foreach (var option in ToolOptions.Global)
        {
            text.AppendLine("    " + (option == ToolOptions.Help ? "--help, -h" : option.Synopsis));
            Wrap(text, option.Help, 8);
        }
        text.AppendLine();
        text.AppendLine("TARGETS");
        text.AppendLine("    pci:DDDD:BB:DD.F");
        Wrap(text, "A real PCI function, through <sysfs-root>/bus/pci/devices/DDDD:BB:DD.F/config. Reading the extended configuration space needs CAP_SYS_ADMIN; DOE register writes need root.", 8);
        text.AppendLine("    emulated:PROFILE[#N][@ADDRESS]");
        Wrap(text, $"A built-in emulated DOE device (profiles: {string.Join(", ", CmaBroker.Emulation.EmulatedProfiles.Names)}). N tells instances of one profile apart (default 0) and changes the serial number; ADDRESS pins the PCI address, otherwise one is allocated in the reserved domain ca00.", 8);
        text.AppendLine("    spdm-socket:HOST:PORT[@ADDRESS]");
        Wrap(text, "An SPDM responder speaking the DMTF spdm-emu / QEMU platform socket protocol with transport PCI_DOE (e.g. spdm_responder_emu --trans PCI_DOE on port 2323). IPv6 hosts go in brackets: spdm-socket:[::1]:2323. The socket is one mailbox at offset 0; its protocols come from DOE Discovery.", 8);
        text.AppendLine();
        text.AppendLine("OUTPUT");
        Wrap(text, "Human-readable text by default. With --json: one JSON document on standard output, camelCase keys, numbers (IDs, offsets, indices) as JSON numbers, byte strings (payloads, digests, measurement values, serial numbers) as lower-case hex strings without separators. Errors go to standard error; with --json an {\"error\":{\"kind\",\"message\",\"exitCode\"}} document is also printed on standard output.", 4);
        text.AppendLine();
        text.AppendLine("EXIT STATUS");
        foreach (var entry in ExitCodeTable.Entries)
            text.AppendLine($"    {entry.Code,3}  {entry.Name,-17} {entry.Meaning}");
        text.AppendLine();
        text.AppendLine("EXAMPLES");
        text.AppendLine("    cmatool discover emulated:good");
        text.AppendLine("    cmatool --json discover pci:0000:03:00.0");
        text.AppendLine("    cmatool exchange emulated:good 0x0001 0 00000000      # DOE Discovery, index 0");
        text.AppendLine("    cmatool emulator-ca /tmp/trust && cmatool authenticate emulated:good --trust /tmp/trust");
        text.AppendLine("    cmatool authenticate emulated:good --trust /etc/cma-broker/trust.d");
        text.AppendLine("    cmatool authenticate spdm-socket:127.0.0.1:2323 --trust ca.cert.der --slot 0");
        text.AppendLine("    cmatool measurements emulated:mismatch#1 --json");
        text.AppendLine("    cmatool measurements emulated:mismatch --trust /tmp/trust --reference /etc/cma-broker/reference.d");
        text.AppendLine("    cmatool session emulated:good --trust /tmp/trust --measure --heartbeat --key-update");
        text.AppendLine("    cmatool --json session emulated:good --trust /tmp/trust --dhe secp256r1 --aead chacha20-poly1305");
        text.AppendLine("    cmatool cdat emulated:cxl-mem");
        text.AppendLine("    cmatool udev-probe 0000:03:00.0");
        text.AppendLine("    cmatool serve emulated:good --port 2323");
        return text.ToString();
    }

    private static void Wrap(StringBuilder text, string paragraph, int indent, int width = 100)
    {
        var line = new StringBuilder();
        foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && indent + line.Length + 1 + word.Length > width)
            {
                text.Append(' ', indent).AppendLine(line.ToString());
                line.Clear();
            }
            if (line.Length > 0)
                line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0)
            text.Append(' ', indent).AppendLine(line.ToString());
    }
}
