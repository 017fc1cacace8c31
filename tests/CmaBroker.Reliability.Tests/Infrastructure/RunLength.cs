namespace CmaBroker.Reliability.Tests.Infrastructure;

/// <summary>
/// Sizes of the bounded runs in the test suite, raised by environment variables for the long runs that README.md
/// "Reliability" documents (the same tests, longer).
/// </summary>
public static class RunLength
{
    public static int Get(string variable, int bounded) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), out int n) && n > 0 ? n : bounded;
}
