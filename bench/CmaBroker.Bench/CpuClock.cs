using System.Runtime.InteropServices;

namespace CmaBroker.Bench;

/// <summary>Per-thread and per-process CPU time (clock_gettime), so a device emulated in-process can be measured apart.</summary>
internal static partial class CpuClock
{
    private const int ProcessCpuTime = 2; // CLOCK_PROCESS_CPUTIME_ID
    private const int ThreadCpuTime = 3;  // CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    public static long ThreadNanoseconds() => Read(ThreadCpuTime);

    public static long ProcessNanoseconds() => Read(ProcessCpuTime);

    private static long Read(int clock)
    {
        if (ClockGetTime(clock, out var t) != 0)
            throw new InvalidOperationException($"clock_gettime({clock}) failed: errno {Marshal.GetLastPInvokeError()}");
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }
}
