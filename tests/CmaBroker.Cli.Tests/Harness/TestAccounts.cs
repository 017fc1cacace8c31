using CmaBroker.TestSupport;
namespace CmaBroker.Cli.Tests.Harness;

/// <summary>
/// The accounts the access tests need: group cmabroker (the bus policy's admin group) and the unprivileged user
/// cmatest. run-tests.sh creates both; a run outside it creates them here.
/// </summary>
public static class TestAccounts
{
    public const string AdminGroup = "cmabroker";
    public const string UnprivilegedUser = "cmatest";

    public static async Task EnsureAsync()
    {
        if ((await ProcessRunner.RunAsync("getent", ["group", AdminGroup]).ConfigureAwait(false)).ExitCode != 0)
            await RequireAsync("groupadd", ["--system", AdminGroup]).ConfigureAwait(false);
        if ((await ProcessRunner.RunAsync("id", ["-u", UnprivilegedUser]).ConfigureAwait(false)).ExitCode != 0)
            await RequireAsync("useradd", ["-M", "-s", "/usr/sbin/nologin", UnprivilegedUser]).ConfigureAwait(false);
    }

    private static async Task RequireAsync(string file, string[] arguments)
    {
        RunResult result = await ProcessRunner.RunAsync(file, arguments).ConfigureAwait(false);
        // Another test project may create the same account at the same moment (exit 9: already exists).
        if (result.ExitCode is not (0 or 9))
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed: {result}");
    }
}
