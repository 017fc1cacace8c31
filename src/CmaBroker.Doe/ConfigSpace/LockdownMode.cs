namespace CmaBroker.Doe;

/// <summary>Reads the kernel lockdown mode from <c>&lt;sysfs-root&gt;/kernel/security/lockdown</c> ("none [integrity] confidentiality").</summary>
public static class LockdownMode
{
    /// <summary>The bracketed (active) mode, or null when the file is absent or unreadable (no LSM lockdown).</summary>
    public static string? Read(string sysfsRoot = SysfsConfigSpace.DefaultSysfsRoot)
    {
        string path = Path.Combine(sysfsRoot, "kernel", "security", "lockdown");
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static string? Parse(string content)
    {
        int open = content.IndexOf('[');
        int close = open < 0 ? -1 : content.IndexOf(']', open + 1);
        return close > open + 1 ? content[(open + 1)..close] : null;
    }

    /// <summary>True when config writes fail under this mode (<c>LOCKDOWN_PCI_ACCESS</c> is in the integrity level).</summary>
    public static bool ForbidsConfigWrites(string? mode) => mode is "integrity" or "confidentiality";
}
