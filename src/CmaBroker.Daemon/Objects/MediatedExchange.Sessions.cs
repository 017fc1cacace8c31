using CmaBroker.Daemon.Bus;
using Microsoft.Extensions.Logging;

namespace CmaBroker.Daemon.Objects;

// SecuredVendorExchange: the mediated secure channel (issue 14), every request logged. Root only and IDE_KM
// refused: the AccessTable's row, checked before the handler runs.
public sealed partial class MediatedExchange
{
    public void AuditSecuredVendor(CallerCredentials caller, ushort standardId, byte[] vendorId, byte[] payload, string objectPath)
    {
        string vendor = Convert.ToHexStringLower(vendorId);
        LogSecuredVendor(objectPath, standardId, vendor, payload.Length, caller.Uid, caller.ProcessId, caller.UniqueName);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "SecuredVendorExchange on {ObjectPath}: standard {StandardId} vendor {VendorId}, {PayloadLength} bytes, by uid {CallerUid} pid {CallerPid} ({Client})")]
    private partial void LogSecuredVendor(string objectPath, ushort standardId, string vendorId, int payloadLength, uint callerUid, uint callerPid, string client);
}
