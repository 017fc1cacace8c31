using CmaBroker.Doe.Errors;

namespace CmaBroker.Daemon.Bus;

/// <summary>
/// The daemon's own access checks, behind the bus policy (ARCHITECTURE.md "Access"): explicit steps that default
/// to no. Mutating methods need root or group cmabroker; raw SPDM-class exchanges and leases need uid 0.
/// </summary>
public sealed class AccessPolicy(string adminGroup = BrokerNames.AdminGroup, string groupFile = "/etc/group")
{
    /// <summary>Root or a member of the admin group (its gid resolved on each check, so a new group works at once).</summary>
    public bool IsAdmin(CallerCredentials caller)
    {
        if (caller.IsRoot)
            return true;
        uint? adminGid = ResolveGroup();
        return adminGid is uint gid && caller.GroupIds.Contains(gid);
    }

    public void RequireAdmin(CallerCredentials caller, string what)
    {
        if (!IsAdmin(caller))
            throw new CmaException(CmaErrorKind.PermissionDenied, $"{what} needs root or group {adminGroup} (caller uid {caller.Uid})");
    }

    public static void RequireRoot(CallerCredentials caller, string what)
    {
        if (!caller.IsRoot)
            throw new CmaException(CmaErrorKind.PermissionDenied, $"{what} needs uid 0 (caller uid {caller.Uid})");
    }

    private uint? ResolveGroup()
    {
        try
        {
            foreach (string line in File.ReadLines(groupFile))
            {
                string[] fields = line.Split(':');
                if (fields.Length >= 3 && fields[0] == adminGroup && uint.TryParse(fields[2], out uint gid))
                    return gid;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
