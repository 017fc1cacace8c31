using System.Text;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Crypto;

/// <summary>
/// The SPDM 1.2+ combined signing prefix (protocols.md §4.10): "dmtf-spdm-vX.Y.*" four times
/// (64 bytes), then the context string right-aligned in 36 bytes with leading zeros.
/// </summary>
public static class SpdmSigningContext
{
    public const int PrefixSize = 100;
    private const int VersionPartSize = 64;
    private const int ContextPartSize = 36;

    public const string ResponderChallengeAuth = "responder-challenge_auth signing";
    public const string RequesterChallengeAuth = "requester-challenge_auth signing";
    public const string ResponderMeasurements = "responder-measurements signing";
    public const string ResponderKeyExchangeRsp = "responder-key_exchange_rsp signing";
    public const string RequesterFinish = "requester-finish signing";

    /// <summary>The 100-byte prefix for <paramref name="version"/> (1.2 or later) and <paramref name="context"/>.</summary>
    public static byte[] CombinedPrefix(SpdmVersion version, string context)
    {
        if (version < SpdmVersion.V12)
            throw new ArgumentException($"SPDM {version} has no signing context (1.2+ only)", nameof(version));
        byte[] contextBytes = Encoding.ASCII.GetBytes(context);
        if (contextBytes.Length > ContextPartSize)
            throw new ArgumentException("signing context longer than 36 bytes", nameof(context));
        var prefix = new byte[PrefixSize];
        byte[] versionString = Encoding.ASCII.GetBytes($"dmtf-spdm-v{version.Major}.{version.Minor}.*");
        for (int i = 0; i < 4; i++)
            versionString.CopyTo(prefix, i * versionString.Length);
        contextBytes.CopyTo(prefix, VersionPartSize + ContextPartSize - contextBytes.Length);
        return prefix;
    }

    /// <summary>
    /// The message the signature primitive receives: the transcript itself for 1.0/1.1, or
    /// prefix ‖ H(transcript) for 1.2+ (§4.10).
    /// </summary>
    public static byte[] MessageToSign(SpdmVersion version, BaseHashAlgorithms hash, string context, ReadOnlySpan<byte> transcript)
    {
        if (version < SpdmVersion.V12)
            return transcript.ToArray();
        byte[] prefix = CombinedPrefix(version, context);
        byte[] digest = SpdmHash.Compute(hash, transcript);
        return [.. prefix, .. digest];
    }
}
