namespace CmaBroker.Daemon.Bus;

/// <summary>
/// Group membership for <see cref="AccessTable"/>: whether a caller is root or a member of the admin group. Which
/// member needs what is the table's; nothing else calls this.
/// </summary>
public sealed class AccessPolicy(string adminGroup = BrokerNames.AdminGroup, string groupFile = "/etc/group")
{
    public string AdminGroup => adminGroup;

    /// <summary>Root or a member of the admin group (its gid resolved on each check, so a new group works at once).</summary>
    public bool IsAdmin(CallerCredentials caller)
    {
        if (caller.IsRoot)
            return true;
        uint? adminGid = ResolveGroup();
        return adminGid is uint gid && caller.GroupIds.Contains(gid);
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
