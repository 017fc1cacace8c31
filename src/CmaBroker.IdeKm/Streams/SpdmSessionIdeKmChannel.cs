using CmaBroker.IdeKm.Messages;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using CmaBroker.Spdm.Sessions;

namespace CmaBroker.IdeKm.Streams;

/// <summary>
/// IDE_KM over an open SPDM session: each message is a PCI-SIG VENDOR_DEFINED_REQUEST (StandardID 3,
/// VendorID 0x0001, ProtocolID 0) as a secured message (protocols.md §6.1). A session that fails or
/// is dropped becomes <see cref="IdeKmFailure.SessionLost"/>; an answer that is not IDE_KM is a protocol error.
/// </summary>
public sealed class SpdmSessionIdeKmChannel(SpdmSession session) : IIdeKmChannel
{
    public async Task<IdeKmMessage> ExchangeAsync(IdeKmMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[] payload = request.ToArray();
        VendorDefinedMessage response;
        try
        {
            response = await session.VendorDefinedAsync(VendorStandardId.PciSig, IdeKmCodec.PciSigVendorId.ToArray(), payload, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionFailedException e)
        {
            throw new IdeKmException(IdeKmFailure.SessionLost, $"the SPDM session carrying IDE_KM ended during {request.ObjectId}: {e.Message}", e);
        }
        catch (SpdmProtocolException e)
        {
            // The device refused the request (ERROR inside the session); the session stays up.
            throw new IdeKmException(IdeKmFailure.Protocol, $"the device refused IDE_KM {request.ObjectId}: {e.Message}", e);
        }
        catch (ObjectDisposedException e)
        {
            throw new IdeKmException(IdeKmFailure.SessionLost, $"the SPDM session carrying IDE_KM is closed ({request.ObjectId})", e);
        }
        finally
        {
            // A KEY_PROG payload holds a key.
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(payload);
        }
        if (!IdeKmCodec.TryParse(response.Payload, out var answer))
            throw new IdeKmException(IdeKmFailure.Protocol, $"answer to {request.ObjectId} is not an IDE_KM message ({response.Payload.Length} bytes)");
        return answer;
    }
}
