using CmaBroker.Daemon.Bus;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Sessions;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Objects;

// SecuredVendorExchange: the mediated secure channel (issue 14), root only, every request logged.
public sealed partial class MediatedExchange
{
    /// <summary>Root only; the PCI-SIG IDE_KM protocol is the broker's own and refused (AccessDenied), with the caller's uid logged.</summary>
    public void AuthorizeSecuredVendor(CallerCredentials caller, ushort standardId, byte[] vendorId, byte[] payload, string objectPath)
    {
        AccessPolicy.RequireRoot(caller, "SecuredVendorExchange");
        string vendor = Convert.ToHexStringLower(vendorId);
        if (SessionManager.IsIdeKm(standardId, vendorId, payload))
        {
            LogIdeKmRefused(objectPath, caller.Uid, caller.ProcessId, caller.UniqueName);
            throw new CmaException(CmaErrorKind.PermissionDenied,
                $"SecuredVendorExchange refuses the PCI-SIG IDE_KM protocol (standard 3, vendor 0x0001, protocol 0): the broker owns IDE_KM (caller uid {caller.Uid})");
        }
        LogSecuredVendor(objectPath, standardId, vendor, payload.Length, caller.Uid, caller.ProcessId, caller.UniqueName);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "SecuredVendorExchange on {ObjectPath} refused: IDE_KM is the broker's own; caller uid {CallerUid} pid {CallerPid} ({Client})")]
    private partial void LogIdeKmRefused(string objectPath, uint callerUid, uint callerPid, string client);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "SecuredVendorExchange on {ObjectPath}: standard {StandardId} vendor {VendorId}, {PayloadLength} bytes, by uid {CallerUid} pid {CallerPid} ({Client})")]
    private partial void LogSecuredVendor(string objectPath, ushort standardId, string vendorId, int payloadLength, uint callerUid, uint callerPid, string client);
}
