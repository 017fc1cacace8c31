using System.Text;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Policy;
using CmaBroker.Service.State;

namespace CmaBroker.Fuzz;

/// <summary>
/// The files the daemon reads: its configuration, reference-measurement files and per-device state files.
/// A bad configuration or reference file is a typed InvalidArgument; a bad state file is moved aside and the
/// device is treated as never seen (no exception at all).
/// </summary>
internal static class FileTargets
{
    private const string StateAddress = "0000:03:00.0";
    private static readonly Lazy<string> Scratch = new(() => Directory.CreateTempSubdirectory("cmabroker-fuzz-").FullName);

    public static void Configuration(byte[] input) =>
        FuzzTargets.AllowTypedErrors(() => BrokerConfigLoader.Parse(Encoding.UTF8.GetString(input), "fuzz.json", _ => null));

    public static void ReferenceFile(byte[] input)
    {
        string file = Path.Combine(Scratch.Value, "reference.json");
        File.WriteAllBytes(file, input);
        FuzzTargets.AllowTypedErrors(() => ReferencePolicy.LoadFile(file));
    }

    public static void StateFile(byte[] input)
    {
        string directory = Path.Combine(Scratch.Value, "state");
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        var store = new StateStore(new StateStoreOptions { Directory = directory });
        File.WriteAllBytes(store.PathFor(StateAddress), input);
        DeviceStateRecord? record = store.TryLoad(StateAddress);
        if (record is not null)
        {
            FuzzTargets.Check(record.Address == StateAddress, $"the state file of {StateAddress} loaded as {record.Address}");
            store.Save(record);
            FuzzTargets.Check(store.TryLoad(StateAddress) is not null, "a loaded record does not load again once saved");
        }
    }
}
