using CmaBroker.Fuzz;
using SharpFuzz;

// cmabroker-fuzz TARGET              run under afl-fuzz (SharpFuzz out-of-process mode, input on stdin or @@)
// cmabroker-fuzz --replay TARGET PATH...   run files or directories through the target once, print findings
// cmabroker-fuzz --list               the target names
if (args is ["--list"])
{
    foreach (string name in FuzzTargets.All.Keys)
        Console.WriteLine(name);
    return 0;
}
if (args is ["--replay", string replayTarget, .. var paths] && FuzzTargets.All.TryGetValue(replayTarget, out var replay))
{
    int findings = 0;
    foreach (string file in paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p) : [p]).Order(StringComparer.Ordinal))
    {
        try
        {
            replay(File.ReadAllBytes(file));
        }
        catch (Exception e)
        {
            findings++;
            Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
        }
    }
    Console.WriteLine($"{replayTarget}: {findings} finding(s)");
    return findings == 0 ? 0 : 1;
}
if (args is [string fuzzTarget] && FuzzTargets.All.TryGetValue(fuzzTarget, out var target))
{
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        target(buffer.ToArray());
    });
    return 0;
}
Console.Error.WriteLine($"usage: cmabroker-fuzz TARGET | --replay TARGET PATH... | --list (targets: {string.Join(", ", FuzzTargets.All.Keys)})");
return 2;
