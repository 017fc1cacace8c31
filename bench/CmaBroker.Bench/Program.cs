using CmaBroker.Bench;

// CmaBroker benchmarks; each prints the machine, its load and a baseline measured in the same run.
//   bench/run.sh BENCHMARK [--quick]  (README "Benchmarks")
// BENCHMARK: mailbox | auth | auth-profile | overhead | cdat | session | ide | latency | throughput | coldplug | all (all runs every benchmark in turn)
string which = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "mailbox";
string[] rest = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[1..] : args;
return which switch
{
    "mailbox" => MailboxBenchmark.Run(rest),
    "auth" => AuthBenchmark.Run(rest),
    "auth-profile" => AuthProfile.Run(rest),
    "overhead" => OverheadBenchmark.Run(rest),
    "cdat" => CdatBenchmark.Run(rest),
    "session" => SessionBenchmark.Run(rest),
    "ide" => IdeBenchmark.Run(rest),
    "latency" => LatencyBenchmark.Run(rest),
    "throughput" => ThroughputBenchmark.Run(rest),
    "coldplug" => ColdplugBenchmark.Run(rest),
    "all" => BenchSuite.RunAll(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: CmaBroker.Bench mailbox|auth|auth-profile|overhead|cdat|session|ide|all [--quick]");
    return 2;
}
