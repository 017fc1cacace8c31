using System.Text.RegularExpressions;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>
/// The CXL part of the one guest boot (issue 15), appended after <see cref="GuestScenario"/>'s steps and run
/// when run.sh --cxl gave the guest QEMU's CXL type-3 device (<c>$CXL_ADDR</c>, QEMU serves its CDAT over DOE).
/// First nothing drives its mailbox (Debian's kernel builds the CXL core in, so /sys/bus/cxl exists, but no CXL
/// driver is loaded): cmatool cdat, and cma-brokerd + cmactl cdat, read the table through the guest kernel's sysfs
/// config file. Then cxl_acpi, cxl_pci and cxl_mem are loaded: cxl_pci binds, the kernel reads the table itself
/// for the endpoint port (its CDAT attribute), and both tools show the kernel's copy without touching the mailbox.
/// </summary>
public static partial class CxlGuestScenario
{
    public const string ToolCdat = "cxl-tool-cdat";
    public const string ToolCdatText = "cxl-tool-cdat-text";
    public const string BrokerShow = "cxl-broker-show";
    public const string BrokerCdat = "cxl-broker-cdat";
    public const string BrokerCdatText = "cxl-broker-cdat-text";
    public const string LoadDrivers = "cxl-load-drivers";
    public const string KernelToolCdat = "cxl-kernel-tool-cdat";
    public const string KernelBrokerShow = "cxl-kernel-broker-show";
    public const string KernelBrokerCdat = "cxl-kernel-broker-cdat";
    public const string BrokerLog = "cxl-brokerd-log";

    /// <summary>Where the guest finds the kernel's CXL modules (fetch.sh keeps them, decompressed, in CACHE/root/cxl-modules).</summary>
    public const string ModuleDirectory = "/lib/cxl-modules";

    /// <summary>
    /// In load order: the CXL root from ACPI's CEDT (root0, port1 for the host bridge), the PCI driver that
    /// registers mem0, and cxl_mem, which adds the endpoint port whose probe reads CDAT (CONFIG_CXL_PORT=y).
    /// </summary>
    public static readonly IReadOnlyList<string> Modules = ["cxl_acpi", "cxl_pci", "cxl_mem"];

    public static GuestPayload AppendTo(GuestPayload payload)
    {
        var bus = GuestFiles.BusAddress;
        string cmactl = $"{GuestScenario.CmaCtl} --address {bus}";
        string insmod = string.Join("; ", Modules.Select(m => $"insmod {ModuleDirectory}/{m}.ko || exit 1"));
        return payload
            .Line("if [ -n \"$CXL_ADDR\" ]; then")
            .Line(UptimeMarker("begin"))
            .Step(ToolCdat, $"{GuestScenario.CmaTool} --json cdat pci:$CXL_ADDR")
            .Step(ToolCdatText, $"{GuestScenario.CmaTool} cdat pci:$CXL_ADDR")
            // A broker of its own (the scenario's first one has stopped); no authentication: only CDAT matters here.
            .Line($"{GuestScenario.CmaBrokerd} --bus {bus} --trust-dir {GuestFiles.GoodTrustDirectory} --state-dir /var/lib/cma-broker " +
                  "--set authenticateOnAdd=false >/tmp/brokerd-cxl.log 2>&1 &")
            .Line("CXL_BROKERD_PID=$!")
            .Line($"for i in $(seq 240); do {cmactl} show $CXL_ADDR >/dev/null 2>&1 && break; kill -0 $CXL_BROKERD_PID 2>/dev/null || break; sleep 0.25; done")
            .Step(BrokerShow, $"{cmactl} --json show $CXL_ADDR")
            .Step(BrokerCdat, $"{cmactl} --json cdat $CXL_ADDR")
            .Step(BrokerCdatText, $"{cmactl} cdat $CXL_ADDR")
            // The kernel takes over: wait (at most 60 s) for the endpoint's CDAT attribute, print the driver and the attribute.
            .Step(LoadDrivers, $"sh -c '{insmod}; for i in $(seq 240); do for a in /sys/bus/cxl/devices/endpoint*/CDAT; do " +
                  "if [ -e \"$a\" ]; then echo \"driver $(basename $(readlink /sys/bus/pci/devices/$CXL_ADDR/driver))\"; echo \"cdat $a\"; exit 0; fi; " +
                  "done; sleep 0.25; done; echo \"no endpoint CDAT attribute after 60 s\"; exit 1'")
            // The broker learns of cxl_pci's bind from the kernel's uevent (at most 60 s).
            .Line($"for i in $(seq 240); do {cmactl} --json show $CXL_ADDR 2>/dev/null | grep -Eq '\"authState\": *\"kernel-owned\"' && break; sleep 0.25; done")
            .Step(KernelToolCdat, $"{GuestScenario.CmaTool} --json cdat pci:$CXL_ADDR")
            .Step(KernelBrokerShow, $"{cmactl} --json show $CXL_ADDR")
            .Step(KernelBrokerCdat, $"{cmactl} --json cdat $CXL_ADDR")
            .Line("kill $CXL_BROKERD_PID 2>/dev/null; wait $CXL_BROKERD_PID")
            .Step(BrokerLog, "cat /tmp/brokerd-cxl.log")
            .Line(UptimeMarker("end"))
            .Line("fi");
    }

    /// <summary>How long the guest spent on the CXL steps (its /proc/uptime at the markers), or null.</summary>
    public static TimeSpan? Duration(GuestConsole console)
    {
        var marks = UptimeMarkers().Matches(console.Text).ToDictionary(m => m.Groups[1].Value,
            m => double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        return marks.TryGetValue("begin", out var begin) && marks.TryGetValue("end", out var end) ? TimeSpan.FromSeconds(end - begin) : null;
    }

    private static string UptimeMarker(string name) => $"echo \"@@CMA-E2E-CXL-UPTIME {name} $(cut -d' ' -f1 /proc/uptime)@@\"";

    /// <summary>Copies the cache's CXL modules to <c>lib/cxl-modules</c> under <paramref name="filesRoot"/> (a --tree of the initramfs).</summary>
    public static void WriteModules(string cache, string filesRoot)
    {
        string source = Path.Combine(cache, "root", "cxl-modules");
        string target = Directory.CreateDirectory(Path.Combine(filesRoot, ModuleDirectory.TrimStart('/'))).FullName;
        foreach (string module in Modules)
        {
            string file = Path.Combine(source, module + ".ko");
            if (!File.Exists(file))
                throw new FileNotFoundException($"{file} missing: fetch.sh keeps the guest kernel's drivers/cxl modules there (delete the cache to refetch)", file);
            File.Copy(file, Path.Combine(target, module + ".ko"));
        }
    }

    /// <summary>The PCI address /init found for the CXL type-3 device (<c>@@CMA-E2E-CXL ADDR@@</c>), or null.</summary>
    public static string? AddressIn(GuestConsole console) =>
        CxlMarker().Match(console.Text) is { Success: true } m && m.Groups[1].Value != "none" ? m.Groups[1].Value : null;

    [GeneratedRegex(@"@@CMA-E2E-CXL (\S+)@@")]
    private static partial Regex CxlMarker();

    [GeneratedRegex(@"@@CMA-E2E-CXL-UPTIME (\w+) ([0-9.]+)@@")]
    private static partial Regex UptimeMarkers();
}
