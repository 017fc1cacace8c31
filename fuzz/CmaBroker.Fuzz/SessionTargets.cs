using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Sessions;

namespace CmaBroker.Fuzz;

/// <summary>
/// Secured messages (DSP0277 over PCI DOE) and the secured-message opaque data. A record is decoded under fixed
/// session keys (its own SessionID, so the length and MAC paths are reached); the input is also sealed and
/// opened again under a second, identical key schedule, which must give it back byte for byte.
/// </summary>
internal static class SessionTargets
{
    private static readonly byte[] SharedSecret = Enumerable.Range(1, 48).Select(i => (byte)i).ToArray();
    private static readonly byte[] Th1Hash = Enumerable.Range(101, 48).Select(i => (byte)i).ToArray();
    private static readonly SpdmVersion[] Versions = [SpdmVersion.V11, SpdmVersion.V12, SpdmVersion.V13];

    public static void SecuredMessage(byte[] input)
    {
        if (input.Length < 1)
            return;
        ReadOnlySpan<byte> body = input.AsSpan(1);
        SpdmVersion version = Versions[input[0] % Versions.Length];
        SecuredMessageOpaqueData.TryReadSupportedVersions(version, body, out _);
        SecuredMessageOpaqueData.TryReadSelection(version, body, out _);

        using var receiver = Handshake();
        if (SecuredMessageCodec.TryReadSessionId(body, out uint sessionId))
        {
            byte[]? opened = SecuredMessageCodec.Decode(body, sessionId, receiver.ResponseKeys, out string error);
            FuzzTargets.Check(opened is not null || error.Length > 0, "a refused record without a reason");
        }

        if (body.Length > ushort.MaxValue - 64)
            return;
        using var sender = Handshake();
        using var opener = Handshake();
        const uint session = 0xFFFE_0001;
        byte[] record = SecuredMessageCodec.Encode(session, sender.RequestKeys, body);
        byte[]? back = SecuredMessageCodec.Decode(record, session, opener.RequestKeys, out string why);
        FuzzTargets.Check(back is not null && back.AsSpan().SequenceEqual(body), $"sealed and opened again, the message differs: {why}");
    }

    private static SessionSecrets Handshake()
    {
        var secrets = new SessionSecrets(SpdmVersion.V12, BaseHashAlgorithms.Sha384, AeadAlgorithms.Aes256Gcm);
        secrets.DeriveHandshake(SharedSecret, Th1Hash);
        return secrets;
    }
}
