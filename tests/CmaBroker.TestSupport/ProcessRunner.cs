using System.Diagnostics;

namespace CmaBroker.TestSupport;

/// <summary>Exit code and captured output of a finished program.</summary>
public sealed record RunResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>Runs a program (busctl, gdbus, openssl, runuser, cmactl, cma-brokerd) to completion with a deadline, capturing both output streams. Shared by the daemon and cmactl tests.</summary>
public static class ProcessRunner
{
    public static async Task<RunResult> RunAsync(string file, IEnumerable<string> arguments, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
            start.WorkingDirectory = workingDirectory;
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish in time:\n{await output.ConfigureAwait(false)}\n{await error.ConfigureAwait(false)}");
        }
        return new RunResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    /// <summary>Runs <paramref name="file"/> as <paramref name="user"/> (runuser -u USER), e.g. the unprivileged test user.</summary>
    public static Task<RunResult> RunAsUserAsync(string user, string file, IEnumerable<string> arguments) =>
        RunAsync("runuser", new[] { "-u", user, "--", file }.Concat(arguments));
}
