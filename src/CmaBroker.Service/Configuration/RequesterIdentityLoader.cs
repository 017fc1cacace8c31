using System.Runtime.InteropServices;
using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Authentication;

namespace CmaBroker.Service.Configuration;

/// <summary>
/// Loads the daemon's requester identity (keys requesterCertChain and requesterKey) for mutual
/// authentication in sessions. The key file must be a regular file owned by root with mode 0600
/// (no symlink, nothing for group or others): anything else is refused with InvalidArgument naming
/// the file, its owner and its mode, and the previous policy stays in force on Reload.
/// </summary>
public static class RequesterIdentityLoader
{
    /// <summary>null when neither key is set.</summary>
    public static RequesterIdentity? Load(BrokerConfig config) => Load(config, requiredOwner: 0);

    /// <param name="requiredOwner">The uid that must own the key (root; tests running unprivileged pass their own).</param>
    internal static RequesterIdentity? Load(BrokerConfig config, uint requiredOwner)
    {
        if (config.RequesterCertChain is null || config.RequesterKey is null)
            return null;
        CheckKeyFile(config.RequesterKey, requiredOwner);
        try
        {
            return RequesterIdentity.Load(config.RequesterCertChain, config.RequesterKey);
        }
        catch (CmaException e)
        {
            throw new CmaException(CmaErrorKind.InvalidArgument, $"requesterCertChain/requesterKey: {e.Message}", e);
        }
    }

    /// <summary>Refuses a key file that is missing, not a regular file, not owned by <paramref name="requiredOwner"/>, or readable by anyone else.</summary>
    internal static void CheckKeyFile(string path, uint requiredOwner)
    {
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new CmaException(errno == 2 ? CmaErrorKind.NotFound : CmaErrorKind.InvalidArgument,
                $"requesterKey {path}: cannot stat it (errno {errno}): the key file must exist, owned by root with mode 0600");
        }
        uint owner = BitConverter.ToUInt32(buffer, StatxUidOffset);
        int mode = BitConverter.ToUInt16(buffer, StatxModeOffset);
        if ((mode & FileTypeMask) != RegularFile)
            throw new CmaException(CmaErrorKind.InvalidArgument, $"requesterKey {path}: is not a regular file (a symlink or special file is refused); it must be a file owned by root with mode 0600");
        if (owner != requiredOwner || (mode & 0x1FF) != 0x180)
            throw new CmaException(CmaErrorKind.InvalidArgument,
                $"requesterKey {path}: is owned by uid {owner} with mode {Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0')}; a private key must be owned by {(requiredOwner == 0 ? "root" : $"uid {requiredOwner}")} with mode 0600 (chown root:root, chmod 600)");
    }

    // struct statx has the same layout on every Linux architecture: stx_uid at 20, stx_mode (u16) at 28.
    private const int StatxSize = 256;
    private const int StatxUidOffset = 20;
    private const int StatxModeOffset = 28;
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7FF;
    private const int FileTypeMask = 0xF000;
    private const int RegularFile = 0x8000;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
