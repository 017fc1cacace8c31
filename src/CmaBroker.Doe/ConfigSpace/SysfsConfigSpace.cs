using System.Buffers.Binary;
using CmaBroker.Doe.Errors;
using Microsoft.Win32.SafeHandles;

namespace CmaBroker.Doe;

/// <summary>
/// Config space of a real PCI function through <c>&lt;sysfs-root&gt;/bus/pci/devices/DDDD:BB:DD.F/config</c>
/// with aligned 4-byte pread/pwrite (<see cref="RandomAccess"/>: in the BCL, NativeAOT-clean, takes
/// an explicit offset, so no seek state is shared between callers and no native helper library is
/// shipped). Kernel rules it translates into typed errors (protocols.md §9, pci-sysfs.c): reads past
/// byte 64 come back short unless the file was opened with CAP_SYS_ADMIN; writes need uid 0 and
/// fail with EPERM under kernel lockdown.
/// </summary>
public sealed class SysfsConfigSpace : IConfigSpace
{
    public const string DefaultSysfsRoot = "/sys";

    /// <summary>Bytes an opener without CAP_SYS_ADMIN may read (pci-sysfs.c <c>pci_read_config</c>).</summary>
    public const int UnprivilegedReadLimit = 64;

    /// <summary>Smallest config space (PCI 3.0 header + capabilities); shorter files are fakes of the unprivileged cut-off.</summary>
    private const int MinimumSize = 256;

    private readonly SafeFileHandle _handle;
    private readonly string _sysfsRoot;

    private SysfsConfigSpace(SafeFileHandle handle, PciAddress address, string path, string sysfsRoot, bool writable, int size)
    {
        _handle = handle;
        Address = address;
        Path = path;
        _sysfsRoot = sysfsRoot;
        IsWritable = writable;
        Size = size;
    }

    public PciAddress Address { get; }

    /// <summary>The <c>config</c> file this instance reads.</summary>
    public string Path { get; }

    public bool IsWritable { get; }

    /// <summary>The config file's length: 256 (conventional) or 4096 (PCIe extended).</summary>
    public int Size { get; }

    /// <summary>Path of a function's config file under <paramref name="sysfsRoot"/>.</summary>
    public static string ConfigPath(PciAddress address, string sysfsRoot = DefaultSysfsRoot) =>
        System.IO.Path.Combine(sysfsRoot, "bus", "pci", "devices", address.ToString(), "config");

    /// <summary>
    /// Opens a function's config file. <paramref name="writable"/> false opens read-only (capability
    /// walks, udev probing); true is needed to drive DOE mailboxes and requires uid 0.
    /// </summary>
    public static SysfsConfigSpace Open(PciAddress address, string? sysfsRoot = null, bool writable = false)
    {
        string root = sysfsRoot ?? DefaultSysfsRoot;
        string path = ConfigPath(address, root);
        if (!File.Exists(path))
            throw new CmaException(CmaErrorKind.NotFound, $"PCI device {address} not found: {path} does not exist");
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CmaException(CmaErrorKind.PermissionDenied,
                writable ? $"cannot open {path} for writing: writing config space needs uid 0" : $"cannot open {path}: {e.Message}", e);
        }
        catch (FileNotFoundException e)
        {
            throw new CmaException(CmaErrorKind.NotFound, $"PCI device {address} not found: {path} does not exist", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new CmaException(CmaErrorKind.NotFound, $"PCI device {address} not found: {path} does not exist", e);
        }
        long length = RandomAccess.GetLength(handle);
        int size = (int)Math.Clamp(length, MinimumSize, 4096);
        return new SysfsConfigSpace(handle, address, path, root, writable, size);
    }

    public uint ReadDword(int offset)
    {
        CheckOffset(offset);
        Span<byte> buffer = stackalloc byte[4];
        int read;
        try
        {
            read = RandomAccess.Read(_handle, buffer, offset);
        }
        catch (IOException e)
        {
            throw ReadFailure(offset, e);
        }
        if (read == 4)
            return BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        if (offset >= UnprivilegedReadLimit)
            throw new CmaException(CmaErrorKind.PermissionDenied,
                $"{Path}: reading config space past byte {UnprivilegedReadLimit} needs CAP_SYS_ADMIN (read at 0x{offset:x3} returned {read} bytes)");
        throw new CmaException(CmaErrorKind.Failed, $"{Path}: short read of {read} bytes at 0x{offset:x3}");
    }

    public void WriteDword(int offset, uint value)
    {
        CheckOffset(offset);
        if (!IsWritable)
            throw new CmaException(CmaErrorKind.PermissionDenied, $"{Path} was opened read-only; writing config space needs uid 0");
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
        try
        {
            RandomAccess.Write(_handle, buffer, offset);
        }
        catch (UnauthorizedAccessException e)
        {
            throw WriteDenied(Path, LockdownMode.Read(_sysfsRoot), e);
        }
        catch (IOException e)
        {
            throw new CmaException(File.Exists(Path) ? CmaErrorKind.Failed : CmaErrorKind.DeviceGone,
                $"{Path}: write at 0x{offset:x3} failed: {e.Message}", e);
        }
    }

    /// <summary>
    /// True when the function is gone: the Vendor ID re-reads as 0xFFFF, or the config file can no
    /// longer be read. An all-ones data dword alone proves nothing.
    /// </summary>
    public bool IsDeviceGone()
    {
        try
        {
            return (ReadDword(0) & 0xFFFF) == 0xFFFF;
        }
        catch (CmaException e) when (e.Kind is CmaErrorKind.DeviceGone or CmaErrorKind.Failed)
        {
            return true;
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>EPERM/EACCES on a config write: lockdown when the kernel says so, else missing uid 0.</summary>
    internal static CmaException WriteDenied(string path, string? lockdownMode, Exception inner) =>
        LockdownMode.ForbidsConfigWrites(lockdownMode)
            ? new CmaException(CmaErrorKind.Lockdown, $"{path}: config writes are refused: kernel lockdown is [{lockdownMode}]", inner)
            : new CmaException(CmaErrorKind.PermissionDenied, $"{path}: write refused: writing config space needs uid 0", inner);

    private CmaException ReadFailure(int offset, IOException e) =>
        File.Exists(Path)
            ? new CmaException(CmaErrorKind.Failed, $"{Path}: read at 0x{offset:x3} failed: {e.Message}", e)
            : new CmaException(CmaErrorKind.DeviceGone, $"PCI device {Address} is gone ({Path} vanished)", e);

    private void CheckOffset(int offset)
    {
        if (offset < 0 || offset % 4 != 0 || offset + 4 > Size)
            throw new CmaException(CmaErrorKind.InvalidArgument,
                $"config offset 0x{offset:x} is not a dword-aligned offset inside the {Size}-byte config space");
    }
}
