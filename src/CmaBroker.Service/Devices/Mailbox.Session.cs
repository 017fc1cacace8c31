using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Scheduling;

namespace CmaBroker.Service.Devices;

/// <summary>A broker session on a mailbox, as the mailbox's client paths need to know it.</summary>
internal interface IMailboxSessionGate
{
    bool IsUp { get; }

    /// <summary>END_SESSION before a client takes the SPDM class (a client's GET_VERSION would drop it uncleanly).</summary>
    Task EndForClientLeaseAsync(CancellationToken cancellationToken);
}

// While the broker holds a secure session here, client SPDM traffic must not reset the connection (issue 14).
public sealed partial class Mailbox
{
    private volatile IMailboxSessionGate? _sessionGate;

    internal IMailboxSessionGate? SessionGate
    {
        get => _sessionGate;
        set => _sessionGate = value;
    }

    /// <summary>True while the broker holds an established secure session over this mailbox.</summary>
    public bool SessionUp => _sessionGate?.IsUp == true;

    /// <summary>A raw CMA / Secured CMA exchange outside a lease would reset or corrupt the session: Busy.</summary>
    private void RefuseWhileSessionUp(DoeProtocol protocol)
    {
        if (ProtocolClasses.Of(protocol) == ProtocolClass.Spdm && SessionUp)
            throw new CmaException(CmaErrorKind.Busy,
                $"{Name}: the broker holds a secure session on this mailbox; end it (EndSession) or take an SPDM lease, which ends it first");
    }

    private async Task EndSessionForLeaseAsync(CancellationToken cancellationToken)
    {
        if (_sessionGate is { IsUp: true } gate)
            await gate.EndForClientLeaseAsync(cancellationToken).ConfigureAwait(false);
    }
}
