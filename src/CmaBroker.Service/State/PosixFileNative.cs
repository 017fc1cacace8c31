using System.Runtime.InteropServices;

namespace CmaBroker.Service.State;

/// <summary>
/// The two calls .NET does not offer for durable replacement: rename(2) with its atomic-replace guarantee
/// stated explicitly, and fsync(2) on a directory (File.OpenHandle refuses directories).
/// </summary>
internal static partial class PosixFileNative
{
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;
    private const int EINTR = 4;

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameNative(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    /// <summary>Atomically replaces <paramref name="newPath"/> (same file system): readers see old or new, never neither.</summary>
    public static void Rename(string oldPath, string newPath)
    {
        if (RenameNative(oldPath, newPath) < 0)
            throw Error($"rename {oldPath} → {newPath}");
    }

    /// <summary>Makes a rename in <paramref name="directory"/> durable (the directory entry itself is data).</summary>
    public static void FsyncDirectory(string directory)
    {
        int fd = Open(directory, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            throw Error($"open {directory}");
        try
        {
            int result;
            do
            {
                result = Fsync(fd);
            } while (result < 0 && Marshal.GetLastPInvokeError() == EINTR);
            if (result < 0)
                throw Error($"fsync {directory}");
        }
        finally
        {
            Close(fd);
        }
    }

    private static IOException Error(string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
    }
}
