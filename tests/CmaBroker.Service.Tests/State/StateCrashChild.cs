using CmaBroker.Service.State;

namespace CmaBroker.Service.Tests.State;

/// <summary>
/// The writer process of <see cref="StateCrashTests"/>: this test assembly started with itself as a .NET
/// startup hook (see <c>StartupHook</c>), so the child runs the real <see cref="StateStore"/> from the same build.
/// Modes: "hook" saves until the third save reaches the test hook, announces it and waits to be killed;
/// "loop" saves forever with growing generations, to be killed at random moments.
/// </summary>
internal static class StateCrashChild
{
    public const string DirectoryVariable = "CMABROKER_STATE_CRASH_DIRECTORY";
    public const string ModeVariable = "CMABROKER_STATE_CRASH_MODE";
    public const string Ready = "READY";
    public const string AtHook = "AT-HOOK";
    public const int PayloadBytes = 256 * 1024;
    public static readonly string[] Addresses = ["0000:03:00.0", "0000:03:00.1", "0000:04:00.0"];

    public static void Run(string directory, string mode)
    {
        int saves = 0;
        var store = new StateStore(new StateStoreOptions
        {
            Directory = directory,
            BeforeRename = mode == "hook"
                ? (temp, _) =>
                {
                    if (++saves < 3)
                        return;
                    Console.Out.WriteLine($"{AtHook} {temp}");
                    Console.Out.Flush();
                    Thread.Sleep(Timeout.Infinite);
                }
                : null,
        });
        int generation = store.LoadAll().Select(r => StateRecords.CheckedGeneration(r, PayloadBytes)).DefaultIfEmpty(0).Max();
        string[] addresses = mode == "hook" ? [Addresses[0]] : Addresses;
        // READY after the first save, so the parent's random delay falls among saves, not into start-up.
        store.Save(StateRecords.Sample(addresses[++generation % addresses.Length], generation, PayloadBytes));
        Console.Out.WriteLine(Ready);
        Console.Out.Flush();
        while (true)
        {
            generation++;
            store.Save(StateRecords.Sample(addresses[generation % addresses.Length], generation, PayloadBytes));
        }
    }
}
