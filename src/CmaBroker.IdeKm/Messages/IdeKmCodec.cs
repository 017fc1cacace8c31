namespace CmaBroker.IdeKm.Messages;

/// <summary>Reads any PCI-SIG IDE_KM message from a VENDOR_DEFINED payload (ProtocolID first).</summary>
public static class IdeKmCodec
{
    /// <summary>PCI-SIG VendorID 0x0001 as it travels (little-endian).</summary>
    public static ReadOnlySpan<byte> PciSigVendorId => [0x01, 0x00];

    /// <summary>
    /// Parses <paramref name="payload"/>; false when it is not IDE_KM (ProtocolID ≠ 0), the Object ID is
    /// unknown, or the size is not the message's exact size (the fixed messages have one size only).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out IdeKmMessage message)
    {
        message = null!;
        if (payload.Length < 2 || payload[0] != IdeKmMessage.ProtocolId)
            return false;
        var id = (IdeKmObjectId)payload[1];
        switch (id)
        {
            case IdeKmObjectId.Query when payload.Length == IdeKmQuery.Size:
                message = IdeKmQuery.Read(payload);
                return true;
            case IdeKmObjectId.QueryResp when IdeKmQueryResponse.TryRead(payload, out var response):
                message = response;
                return true;
            case IdeKmObjectId.KeyProg when IdeKmKeyProg.TryRead(payload, out var keyProg):
                message = keyProg;
                return true;
            case IdeKmObjectId.KpAck when payload.Length == IdeKmKpAck.Size:
                message = IdeKmKpAck.Read(payload);
                return true;
            case IdeKmObjectId.KSetGo or IdeKmObjectId.KSetStop or IdeKmObjectId.KGoStopAck when payload.Length == IdeKmKeySetMessage.Size:
                message = IdeKmKeySetMessage.Read(id, payload);
                return true;
            default:
                return false;
        }
    }
}
