namespace CmaBroker.Doe.Cxl;

/// <summary>The driver bound to a sysfs device: the last element of its <c>driver</c> link's target.</summary>
public static class SysfsDriverLink
{
    /// <summary>The bound driver's name, "" when the device is unbound or gone.</summary>
    public static string Read(string deviceDirectory)
    {
        string link = Path.Combine(deviceDirectory, "driver");
        try
        {
            var info = new FileInfo(link);
            if (info.LinkTarget is { } target)
                return Path.GetFileName(target.TrimEnd('/'));
            return Directory.Exists(link) ? Path.GetFileName(Path.GetFullPath(link).TrimEnd('/')) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }
}
