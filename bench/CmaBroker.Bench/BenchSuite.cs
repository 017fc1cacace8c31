namespace CmaBroker.Bench;

/// <summary>Every benchmark in turn (the CI quick run: `all --quick`).</summary>
internal static class BenchSuite
{
    public static int RunAll(string[] args)
    {
        int rc = 0;
        foreach (var run in new Func<string[], int>[] { MailboxBenchmark.Run, AuthBenchmark.Run, OverheadBenchmark.Run, CdatBenchmark.Run, SessionBenchmark.Run, IdeBenchmark.Run, LatencyBenchmark.Run, ThroughputBenchmark.Run, ColdplugBenchmark.Run })
        {
            rc |= run(args);
            Console.WriteLine();
        }
        return rc;
    }
}
