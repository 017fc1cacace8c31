using CmaBroker.TestSupport;
namespace CmaBroker.Daemon.Tests.Infrastructure;

/// <summary>
/// The Unix accounts the access tests use: group cmabroker (the bus policy's admin group) and user cmatest
/// (no privileges). run-tests.sh creates them; a test run outside it creates them here.
/// </summary>
public static class TestAccounts
{
    public const string AdminGroup = "cmabroker";
    public const string UnprivilegedUser = "cmatest";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task EnsureAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if ((await ProcessRunner.RunAsync("getent", ["group", AdminGroup]).ConfigureAwait(false)).ExitCode != 0)
                await RequireAsync("groupadd", [AdminGroup]).ConfigureAwait(false);
            if ((await ProcessRunner.RunAsync("id", [UnprivilegedUser]).ConfigureAwait(false)).ExitCode != 0)
                await RequireAsync("useradd", ["-M", "-s", "/usr/sbin/nologin", UnprivilegedUser]).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The admin group's gid (for setpriv --groups).</summary>
    public static async Task<string> AdminGroupIdAsync()
    {
        RunResult result = await ProcessRunner.RunAsync("getent", ["group", AdminGroup]).ConfigureAwait(false);
        return result.Output.Split(':')[2];
    }

    private static async Task RequireAsync(string file, string[] arguments)
    {
        RunResult result = await ProcessRunner.RunAsync(file, arguments).ConfigureAwait(false);
        // Another test project may have created it at the same moment (exit 9: already exists).
        if (result.ExitCode is not (0 or 9))
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed: {result}");
    }
}
