using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.IdeKm.Streams;
using CmaBroker.Service.Devices;
using CmaBroker.Service.Scheduling;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Requester;

namespace CmaBroker.Service.Ide;

/// <summary>
/// The SPDM secure session one IDE operation runs in: the broker's SPDM lease on the device's CMA
/// mailbox (so no other client's SPDM or Secured CMA exchange interleaves), a session opened
/// inside it, and on dispose END_SESSION and the lease released. IDE_KM is SPDM VENDOR_DEFINED
/// inside that session, so its traffic is the mailbox's spdm class queue. This is the one type to
/// change when the broker keeps long-lived sessions: it would borrow the device's session instead.
/// </summary>
public sealed class IdeSessionScope : IAsyncDisposable
{
    private readonly SchedulerLease _lease;
    private readonly SpdmSession _session;

    private IdeSessionScope(SchedulerLease lease, SpdmSession session)
    {
        _lease = lease;
        _session = session;
        Channel = new SpdmSessionIdeKmChannel(session);
    }

    /// <summary>IDE_KM requests → responses inside the session.</summary>
    public IIdeKmChannel Channel { get; }

    public static async Task<IdeSessionScope> OpenAsync(Device device, SessionOpenOptions options, CancellationToken cancellationToken)
    {
        var mailbox = device.SelectMailbox(DoeProtocol.Cma);
        if (!mailbox.Supports(DoeProtocol.SecuredCma))
            throw new CmaException(CmaErrorKind.Unsupported,
                $"{mailbox.Name}: the mailbox does not list Secured CMA (DOE type 2): IDE_KM needs a secure session");
        var scheduler = mailbox.CheckUsable(DoeProtocol.SecuredCma);
        // Wait for the class at most as long as a client lease may last, plus the normal deadline.
        var wait = scheduler.Options.MaxLeaseDuration + scheduler.Options.RequestDeadline;
        var lease = await scheduler.AcquireBrokerLeaseAsync(wait, cancellationToken).ConfigureAwait(false);
        try
        {
            var opened = await SessionOpener.OpenAsync(lease, options, cancellationToken).ConfigureAwait(false);
            return new IdeSessionScope(lease, opened.Session);
        }
        catch
        {
            lease.Release();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_session.IsClosed)
            {
                try
                {
                    // Bounded: a device that stopped answering must not hold the lease.
                    using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await _session.EndAsync(limit.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is CmaException or OperationCanceledException or ObjectDisposedException)
                {
                    _session.Dispose();
                }
            }
        }
        finally
        {
            _lease.Release();
        }
    }
}
