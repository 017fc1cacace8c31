using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace CmaBroker.Bench;

/// <summary>The machine line every benchmark prints first: CPUs, model, OS, load average, runtime, build.</summary>
internal static class BenchMachine
{
    public static void Print(string title, bool quick)
    {
        string cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
        Console.WriteLine($"CmaBroker {title} benchmark ({(quick ? "quick" : "full")})");
        Console.WriteLine($"machine: {Environment.ProcessorCount} CPUs (nproc), {cpu}, {RuntimeInformation.OSDescription}");
        Console.WriteLine($"load average at start: {LoadAverage()}");
        bool debug = typeof(BenchMachine).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false)
            .OfType<DebuggableAttribute>().Any(d => d.IsJITOptimizerDisabled);
        Console.WriteLine($"runtime: {RuntimeInformation.FrameworkDescription}, {(debug ? "Debug build (use -c Release)" : "optimized build")}");
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

    public static void End() => Console.WriteLine($"load average at end: {LoadAverage()}");

    public static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Value at quantile <paramref name="q"/> of an ascending-sorted array.</summary>
    public static double Quantile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1 < 0 ? 0 : (int)Math.Ceiling(q * sorted.Length) - 1)];

    /// <summary>"met" or "MISSED" for a target line.</summary>
    public static string Verdict(bool met) => met ? "met" : "MISSED";
}
