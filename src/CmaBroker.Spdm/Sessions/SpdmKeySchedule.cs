using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Sessions;

/// <summary>
/// The DSP0274 key schedule (protocols.md §4.14): HKDF (RFC 5869) over the negotiated BaseHash with
/// BinConcat = length (u16 LE) ‖ "spdm1.x " ‖ label ‖ context. Pure functions; callers own the results.
/// </summary>
public sealed class SpdmKeySchedule
{
    public const int IvSize = 12;

    internal const string Derived = "derived";
    internal const string RequestHandshake = "req hs data";
    internal const string ResponseHandshake = "rsp hs data";
    internal const string RequestData = "req app data";
    internal const string ResponseData = "rsp app data";
    internal const string KeyLabel = "key";
    internal const string IvLabel = "iv";
    internal const string Finished = "finished";
    internal const string ExportMaster = "exp master";
    internal const string TrafficUpdate = "traffic upd";

    private readonly byte[] _versionPrefix;

    public SpdmKeySchedule(SpdmVersion version, BaseHashAlgorithms hash)
    {
        if (version < SpdmVersion.V11)
            throw new CmaException(CmaErrorKind.Unsupported, $"SPDM {version} has no sessions (1.1+)");
        Hash = HashName(hash);
        HashSize = Crypto.SpdmAlgorithms.HashSize(hash);
        _versionPrefix = Encoding.ASCII.GetBytes($"spdm{version.Major}.{version.Minor} ");
    }

    public HashAlgorithmName Hash { get; }

    public int HashSize { get; }

    /// <summary>BinConcat(length, label, context) (§4.14).</summary>
    public byte[] BinConcat(int length, string label, ReadOnlySpan<byte> context = default)
    {
        var bytes = new byte[2 + _versionPrefix.Length + label.Length + context.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)length);
        _versionPrefix.CopyTo(bytes, 2);
        Encoding.ASCII.GetBytes(label, bytes.AsSpan(2 + _versionPrefix.Length));
        context.CopyTo(bytes.AsSpan(2 + _versionPrefix.Length + label.Length));
        return bytes;
    }

    /// <summary>HKDF-Expand(secret, BinConcat(length, label, context), length).</summary>
    public byte[] Expand(ReadOnlySpan<byte> secret, string label, int length, ReadOnlySpan<byte> context = default)
    {
        var output = new byte[length];
        HKDF.Expand(Hash, secret, output, BinConcat(length, label, context));
        return output;
    }

    /// <summary>HandshakeSecret = HKDF-Extract(salt 0^H, DHE shared secret).</summary>
    public byte[] HandshakeSecret(ReadOnlySpan<byte> sharedSecret)
    {
        var output = new byte[HashSize];
        HKDF.Extract(Hash, sharedSecret, new byte[HashSize], output);
        return output;
    }

    /// <summary>MasterSecret = HKDF-Extract(salt = Expand(HandshakeSecret, "derived"), 0^H).</summary>
    public byte[] MasterSecret(ReadOnlySpan<byte> handshakeSecret)
    {
        byte[] salt = Expand(handshakeSecret, Derived, HashSize);
        try
        {
            var output = new byte[HashSize];
            HKDF.Extract(Hash, new byte[HashSize], salt, output);
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(salt);
        }
    }

    /// <summary>HMAC with the negotiated hash (verify data).</summary>
    public byte[] Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) => CryptographicOperations.HmacData(Hash, key, data);

    /// <summary>Hash with the negotiated hash (TH1, TH2, certificate chain).</summary>
    public byte[] HashData(ReadOnlySpan<byte> data) => CryptographicOperations.HashData(Hash, data);

    private static HashAlgorithmName HashName(BaseHashAlgorithms hash) => hash switch
    {
        BaseHashAlgorithms.Sha256 => HashAlgorithmName.SHA256,
        BaseHashAlgorithms.Sha384 => HashAlgorithmName.SHA384,
        BaseHashAlgorithms.Sha512 => HashAlgorithmName.SHA512,
        _ => throw new CmaException(CmaErrorKind.Unsupported, $"hash {Crypto.SpdmAlgorithms.Name(hash)} is not supported for sessions"),
    };
}
