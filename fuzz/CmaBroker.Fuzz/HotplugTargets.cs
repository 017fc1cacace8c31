using CmaBroker.Hotplug;

namespace CmaBroker.Fuzz;

/// <summary>Kernel and libudev uevent datagrams; the parser never throws and refuses with false.</summary>
internal static class HotplugTargets
{
    public static void Uevent(byte[] input)
    {
        if (UeventParser.TryParse(input, out Uevent uevent))
            FuzzTargets.Check(uevent is not null, "TryParse returned true without an event");
    }
}
