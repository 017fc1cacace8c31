using System.Globalization;
using NUnit.Framework;

namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>
/// Drives the scripts under tests/e2e/qemu: fetch the cache, publish the NativeAOT programs, build
/// the initramfs, boot QEMU against a responder already listening. Every failure to get the
/// prerequisites fails the test with the script's own message (never a silent skip).
/// </summary>
public static class QemuHarness
{
    /// <summary>Overrides the boot watchdog (seconds); the default leaves room for a loaded CI machine.</summary>
    public const string BootTimeoutVariable = "CMABROKER_E2E_BOOT_TIMEOUT";

    public static TimeSpan BootTimeout =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable(BootTimeoutVariable), CultureInfo.InvariantCulture, out var s) ? s : 240);

    /// <summary>Runs fetch.sh: QEMU 10 with nvme spdm_port, a 6.12 kernel and busybox in <paramref name="cache"/>.</summary>
    public static async Task FetchAsync(string cache)
    {
        var result = await RunScriptAsync("fetch.sh", [cache], TimeSpan.FromMinutes(20));
        if (!result.Succeeded)
            Assert.Fail("The QEMU end-to-end prerequisites (QEMU 10 from bookworm-backports with nvme spdm_port, a linux-image-6.12 kernel, busybox-static) could not be had:\n" + result.Describe());
    }

    /// <summary>Runs publish-aot.sh; returns the folder holding one subfolder per published project.</summary>
    public static async Task<string> PublishAotAsync(string cache, params string[] projects)
    {
        var result = await RunScriptAsync("publish-aot.sh", [cache, .. projects], TimeSpan.FromMinutes(30));
        if (!result.Succeeded)
            Assert.Fail("NativeAOT publishing for the guest failed:\n" + result.Describe());
        return result.StandardOutput.Trim().Split('\n')[^1].Trim();
    }

    public static async Task BuildInitramfsAsync(string cache, string output, GuestPayload payload,
        IEnumerable<string> elfPrograms, IEnumerable<string> trees)
    {
        var payloadPath = output + ".payload.sh";
        await File.WriteAllTextAsync(payloadPath, payload.ToScript());
        List<string> arguments = ["--cache", cache, "--out", output, "--payload", payloadPath];
        foreach (var elf in elfPrograms)
            arguments.AddRange(["--elf", elf]);
        foreach (var tree in trees)
            arguments.AddRange(["--tree", tree]);
        var result = await RunScriptAsync("build-initramfs.sh", arguments, TimeSpan.FromMinutes(5));
        if (!result.Succeeded)
            Assert.Fail("Building the guest initramfs failed:\n" + result.Describe());
    }

    /// <summary>
    /// Boots the guest with the NVMe's spdm_port on <paramref name="port"/> and returns its console;
    /// <paramref name="runOptions"/> go to run.sh as they are (e.g. <c>--cxl</c>).
    /// </summary>
    public static async Task<GuestConsole> BootAsync(string cache, string initrd, int port, string consolePath, IReadOnlyList<string>? runOptions = null)
    {
        var watchdog = BootTimeout;
        var result = await RunScriptAsync("run.sh",
            ["--cache", cache, "--initrd", initrd, "--port", port.ToString(CultureInfo.InvariantCulture),
             "--console", consolePath, "--timeout", ((int)watchdog.TotalSeconds).ToString(CultureInfo.InvariantCulture), .. runOptions ?? []],
            watchdog + TimeSpan.FromSeconds(60));
        var text = File.Exists(consolePath) ? await File.ReadAllTextAsync(consolePath) : "";
        if (!result.Succeeded)
            Assert.Fail("Booting the QEMU guest failed:\n" + result.Describe() + "\n--- console ---\n" + text);
        return GuestConsole.Parse(text);
    }

    private static Task<ProcessResult> RunScriptAsync(string script, IReadOnlyList<string> arguments, TimeSpan timeout) =>
        ExternalProcess.RunAsync("bash", [Path.Combine(E2EPaths.ScriptDirectory, script), .. arguments], timeout);
}
