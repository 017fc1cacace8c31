using CmaBroker.Service.Tests.State;

/// <summary>
/// .NET startup hook (DOTNET_STARTUP_HOOKS=this assembly): lets a test start this assembly as a child
/// process that runs <see cref="StateCrashChild"/>. Without the crash-test variable it does nothing.
/// The runtime requires this exact name, in the global namespace.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        string? directory = Environment.GetEnvironmentVariable(StateCrashChild.DirectoryVariable);
        if (directory is null)
            return;
        StateCrashChild.Run(directory, Environment.GetEnvironmentVariable(StateCrashChild.ModeVariable) ?? "loop");
    }
}
