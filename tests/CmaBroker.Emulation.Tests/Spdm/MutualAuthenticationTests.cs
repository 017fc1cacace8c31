using System.Buffers.Binary;
using System.Diagnostics;
using CmaBroker.Doe;
using CmaBroker.Emulation.Certificates;
using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;
using CmaBroker.Spdm.Sessions;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.OpenSsl;

namespace CmaBroker.Emulation.Tests.Spdm;

/// <summary>
/// Mutual authentication in sessions against the emulator: each MutAuthRequested bit, both handshake
/// paths, several versions and requester key types; a wrong requester chain and a corrupted FINISH
/// signature end in typed errors and no session; and the FINISH signature checked with the openssl
/// command line over a transcript rebuilt from the captured bytes by <see cref="CapturedTranscript"/>.
/// </summary>
public sealed class MutualAuthenticationTests
{
    private static readonly CertificateChainGenerator Certificates = EmulatedCertificates.Shared;

    internal static RequesterIdentity Identity(EmulatedCertificateAuthority authority, BaseAsymAlgorithms asym)
    {
        var chain = Certificates.Chain(authority, asym);
        return new RequesterIdentity(chain.Certificates, chain.LeafPrivateKey);
    }

    internal static SpdmResponderConfig MutualConfig(MutualAuthenticationRequest mode, BaseAsymAlgorithms provisioned = BaseAsymAlgorithms.EcdsaP256) =>
        SessionHarness.SessionConfig() with
        {
            MutualAuthentication = mode,
            RequesterTrustAnchors = [Certificates.Root(EmulatedCertificateAuthority.SlotOne)],
            ProvisionedRequesterChain = Certificates.Chain(EmulatedCertificateAuthority.SlotOne, provisioned).Certificates,
        };

    private static IEnumerable<TestCaseData> Modes()
    {
        foreach (var mode in new[] { MutualAuthenticationRequest.Signed, MutualAuthenticationRequest.Encapsulated, MutualAuthenticationRequest.EncapsulatedWithDigests })
            foreach (bool clear in new[] { false, true })
                foreach (var version in new[] { SpdmVersion.V11, SpdmVersion.V12, SpdmVersion.V13 })
                    yield return new TestCaseData(mode, clear, version).SetArgDisplayNames(mode.ToString(), clear ? "in the clear" : "encrypted", version.ToString());
    }

    [TestCaseSource(nameof(Modes))]
    public async Task EachModeEstablishesAMutuallyAuthenticatedSession(MutualAuthenticationRequest mode, bool inTheClear, SpdmVersion version)
    {
        using var harness = new SessionHarness(MutualConfig(mode));
        var identity = Identity(EmulatedCertificateAuthority.SlotOne, BaseAsymAlgorithms.EcdsaP256);
        var opened = await harness.OpenAsync(new SessionOffer { Identity = identity, HandshakeInTheClear = inTheClear }, version);
        using var session = opened.Session;
        Assert.That(harness.Responder.SessionEstablished, Is.True);
        Assert.That(harness.Responder.SessionMutualAuthentication, Is.EqualTo(mode), "the responder asked for this mode and accepted the FINISH signature");
        Assert.That(opened.Negotiated.Algorithms.Selected(AlgStructType.ReqBaseAsym), Is.EqualTo((ushort)BaseAsymAlgorithms.EcdsaP256));
        await session.HeartbeatAsync(default);
        await session.EndAsync(default);
    }

    [TestCase(BaseAsymAlgorithms.EcdsaP384, MutualAuthenticationRequest.Encapsulated)]
    [TestCase(BaseAsymAlgorithms.EcdsaP384, MutualAuthenticationRequest.Signed)]
    [TestCase(BaseAsymAlgorithms.RsaSsa2048, MutualAuthenticationRequest.EncapsulatedWithDigests)]
    public async Task OtherRequesterKeyTypesSign(BaseAsymAlgorithms asym, MutualAuthenticationRequest mode)
    {
        using var harness = new SessionHarness(MutualConfig(mode, asym));
        var opened = await harness.OpenAsync(new SessionOffer { Identity = Identity(EmulatedCertificateAuthority.SlotOne, asym) });
        using var session = opened.Session;
        Assert.That(harness.Responder.SessionEstablished, Is.True);
        Assert.That((BaseAsymAlgorithms)opened.Negotiated.Algorithms.Selected(AlgStructType.ReqBaseAsym) & asym, Is.Not.Zero);
        await session.EndAsync(default);
    }

    [TestCase(MutualAuthenticationRequest.Encapsulated, false)]
    [TestCase(MutualAuthenticationRequest.EncapsulatedWithDigests, true)]
    public void AnUntrustedRequesterChainIsRefusedWithInvalidResponseCode(MutualAuthenticationRequest mode, bool inTheClear)
    {
        using var harness = new SessionHarness(MutualConfig(mode));
        // Encrypted: the plain ERROR ends the session (SessionFailedException); in the clear it is the channel's typed SPDM error.
        var e = (SpdmProtocolException)Assert.ThrowsAsync(Is.InstanceOf<SpdmProtocolException>(), () =>
            harness.OpenAsync(new SessionOffer { Identity = Identity(EmulatedCertificateAuthority.Rogue, BaseAsymAlgorithms.EcdsaP256), HandshakeInTheClear = inTheClear }))!;
        Assert.That(e.ErrorCode, Is.EqualTo(SpdmErrorCode.InvalidResponseCode), e.Message);
        Assert.That(harness.Responder.SessionId, Is.Null, "the responder dropped the half-open session");
        Assert.That(harness.Responder.SessionEstablished, Is.False);
    }

    [TestCase(MutualAuthenticationRequest.Signed, false)]
    [TestCase(MutualAuthenticationRequest.Encapsulated, true)]
    [TestCase(MutualAuthenticationRequest.EncapsulatedWithDigests, false)]
    public void ACorruptedFinishSignatureIsRefusedWithDecryptError(MutualAuthenticationRequest mode, bool inTheClear)
    {
        using var harness = new SessionHarness(MutualConfig(mode));
        var offer = new SessionOffer
        {
            Identity = Identity(EmulatedCertificateAuthority.SlotOne, BaseAsymAlgorithms.EcdsaP256),
            HandshakeInTheClear = inTheClear,
            FinishSignatureFilter = signature => { signature[5] ^= 0x40; return signature; },
        };
        var e = Assert.ThrowsAsync(Is.InstanceOf<SpdmProtocolException>(), () => harness.OpenAsync(offer));
        Assert.That(((SpdmProtocolException)e!).ErrorCode, Is.EqualTo(SpdmErrorCode.DecryptError), e.Message);
        Assert.That(harness.Responder.SessionId, Is.Null);
    }

    [Test]
    public void ASignatureByAKeyOtherThanTheProvisionedChainsIsRefused()
    {
        using var harness = new SessionHarness(MutualConfig(MutualAuthenticationRequest.Signed));
        // A sound identity, but not the chain the responder holds for slot 0.
        var e = Assert.ThrowsAsync<SessionFailedException>(() =>
            harness.OpenAsync(new SessionOffer { Identity = Identity(EmulatedCertificateAuthority.Good, BaseAsymAlgorithms.EcdsaP256) }));
        Assert.That(e!.ErrorCode, Is.EqualTo(SpdmErrorCode.DecryptError), e.Message);
        Assert.That(harness.Responder.SessionEstablished, Is.False);
    }

    [Test]
    public void WithoutAnIdentityARequestForMutualAuthenticationIsUnsupported()
    {
        using var harness = new SessionHarness(SessionHarness.SessionConfig(new SpdmResponderFaults { RequestMutualAuthentication = true }));
        var e = Assert.ThrowsAsync<MutualAuthenticationRequestedException>(() => harness.OpenAsync());
        Assert.That(e!.Kind, Is.EqualTo(CmaBroker.Doe.Errors.CmaErrorKind.Unsupported));
        Assert.That(e.MutAuthRequested, Is.EqualTo((byte)MutualAuthenticationRequest.Signed));
        Assert.That(e.Message, Does.Contain("no requester certificate chain and key"));
    }

    [Test]
    public async Task ARequesterWithoutMutAuthCapIsNotAskedForMutualAuthentication()
    {
        using var harness = new SessionHarness(MutualConfig(MutualAuthenticationRequest.Encapsulated));
        using var session = (await harness.OpenAsync()).Session;
        Assert.That(harness.Responder.SessionMutualAuthentication, Is.EqualTo(MutualAuthenticationRequest.None));
        await session.EndAsync(default);
    }

    [TestCase((byte)0x11, BaseAsymAlgorithms.EcdsaP256)]
    [TestCase((byte)0x12, BaseAsymAlgorithms.EcdsaP384)]
    [TestCase((byte)0x13, BaseAsymAlgorithms.EcdsaP256)]
    public async Task OpensslVerifiesTheFinishSignatureOverTheRebuiltTranscript(byte versionByte, BaseAsymAlgorithms asym)
    {
        var version = new SpdmVersion(versionByte);
        using var harness = new SessionHarness(MutualConfig(MutualAuthenticationRequest.Signed, asym));
        var capture = new CapturingExchange(harness.Mailbox);
        var identity = Identity(EmulatedCertificateAuthority.SlotOne, asym);
        var opened = await SessionOpener.OpenAsync(capture, new SessionOpenOptions
        {
            TrustAnchors = CmaBroker.Emulation.Profiles.SpdmProfiles.TrustAnchors,
            Offer = new SessionOffer { Identity = identity, HandshakeInTheClear = true },
            MaxVersion = version,
        });
        using var session = opened.Session;

        var rebuilt = CapturedTranscript.Rebuild(capture.Plain, identity.Certificates.SelectMany(c => c.GetEncoded()).ToArray(), identity.Certificates[0].GetEncoded());
        Assert.That(rebuilt.Version, Is.EqualTo(version));
        using var dir = new TempFiles();
        string leaf = dir.Write("leaf.pem", Pem(identity.Certificates[^1]));
        string pub = dir.Path("pub.pem");
        Run("openssl", $"x509 -in {leaf} -pubkey -noout -out {pub}");
        string message = dir.Write("message.bin", rebuilt.SignedMessage);
        string signature = dir.Write("signature.der", DerSignature(rebuilt.Signature));
        string digest = rebuilt.HashName;
        Assert.That(Run("openssl", $"dgst -{digest} -verify {pub} -signature {signature} {message}"), Does.Contain("Verified OK"));

        // The same check fails once one byte of the transcript changes: openssl really looked at it.
        rebuilt.SignedMessage[^1] ^= 0x01;
        dir.Write("message.bin", rebuilt.SignedMessage);
        Assert.That(RunExpectingFailure("openssl", $"dgst -{digest} -verify {pub} -signature {signature} {message}"), Does.Contain("Verification failure"));
        await session.EndAsync(default);
    }

    private static string Pem(Org.BouncyCastle.X509.X509Certificate certificate)
    {
        using var text = new StringWriter();
        var writer = new PemWriter(text);
        writer.WriteObject(certificate);
        writer.Writer.Flush();
        return text.ToString();
    }

    /// <summary>Raw r ‖ s → DER SEQUENCE { INTEGER r, INTEGER s } for openssl.</summary>
    private static byte[] DerSignature(byte[] raw)
    {
        int half = raw.Length / 2;
        return new DerSequence(new DerInteger(new BigInteger(1, raw, 0, half)), new DerInteger(new BigInteger(1, raw, half, half))).GetEncoded();
    }

    private static string Run(string file, string arguments)
    {
        var (code, output) = Execute(file, arguments);
        Assert.That(code, Is.Zero, output);
        return output;
    }

    private static string RunExpectingFailure(string file, string arguments)
    {
        var (code, output) = Execute(file, arguments);
        Assert.That(code, Is.Not.Zero, output);
        return output;
    }

    private static (int Code, string Output) Execute(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private sealed class TempFiles : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("cma-mutual-").FullName;

        public string Path(string name) => System.IO.Path.Combine(_root, name);

        public string Write(string name, string text)
        {
            File.WriteAllText(Path(name), text);
            return Path(name);
        }

        public string Write(string name, byte[] bytes)
        {
            File.WriteAllBytes(Path(name), bytes);
            return Path(name);
        }

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }
}

/// <summary>Records every CMA (type 1) request and response payload that crosses the mailbox, padding included.</summary>
internal sealed class CapturingExchange(IDoeExchange inner) : IDoeExchange
{
    public List<(byte[] Request, byte[] Response)> Plain { get; } = [];

    public async ValueTask<DoeObject> ExchangeAsync(DoeObject request, CancellationToken cancellationToken = default)
    {
        var response = await inner.ExchangeAsync(request, cancellationToken);
        if (request.Protocol == DoeProtocol.Cma)
            Plain.Add((request.Payload.ToArray(), response.Payload.ToArray()));
        return response;
    }
}

/// <summary>
/// Rebuilds the FINISH signature's input from captured bytes alone, independent of the requester code:
/// TH = VCA ‖ H(responder chain from the CERTIFICATE portions) ‖ KEY_EXCHANGE ‖ KEY_EXCHANGE_RSP ‖
/// H(requester chain) ‖ FINISH header; the signed message is TH (1.1) or the 100-byte 1.2+ prefix
/// ‖ H(TH). Message lengths come from the fields each message carries, never from the transport.
/// </summary>
internal sealed record CapturedTranscript(SpdmVersion Version, byte[] SignedMessage, byte[] Signature, string HashName)
{
    public static CapturedTranscript Rebuild(List<(byte[] Request, byte[] Response)> plain, byte[] requesterDer, byte[] requesterRootDer)
    {
        var vca = new List<byte>();
        var responderChain = new List<byte>();
        byte[]? keyExchange = null, keyExchangeRsp = null, finish = null;
        int hashSize = 0, signatureSize = 0, requesterSignatureSize = 0, dheSize = 0;
        string hashName = "";
        SpdmVersion version = SpdmVersion.V10;
        foreach (var (request, response) in plain)
        {
            switch (request[1])
            {
                case 0x84: // GET_VERSION / VERSION (entries u16 at 5)
                    vca.AddRange(request[..4]);
                    vca.AddRange(response[..(6 + 2 * response[5])]);
                    break;
                case 0xE1: // GET_CAPABILITIES / CAPABILITIES
                    version = new SpdmVersion(request[0]);
                    int capsLength = version >= SpdmVersion.V12 ? 20 : 12;
                    vca.AddRange(request[..capsLength]);
                    vca.AddRange(response[..capsLength]);
                    break;
                case 0xE3: // NEGOTIATE_ALGORITHMS / ALGORITHMS: Length u16 at 4
                    vca.AddRange(request[..BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(4))]);
                    int algorithmsLength = BinaryPrimitives.ReadUInt16LittleEndian(response.AsSpan(4));
                    vca.AddRange(response[..algorithmsLength]);
                    (hashSize, hashName) = BinaryPrimitives.ReadUInt32LittleEndian(response.AsSpan(16)) switch
                    {
                        0x1 => (32, "sha256"),
                        0x2 => (48, "sha384"),
                        0x4 => (64, "sha512"),
                        var other => throw new AssertionException($"unexpected BaseHashSel 0x{other:x}"),
                    };
                    signatureSize = SignatureSize(BinaryPrimitives.ReadUInt32LittleEndian(response.AsSpan(12)));
                    // AlgStruct tables after ExtAsymSelCount/ExtHashSelCount (both 0 here) at offset 36.
                    int at = 36;
                    for (int t = 0; t < response[2]; t++, at += 4)
                    {
                        ushort selected = BinaryPrimitives.ReadUInt16LittleEndian(response.AsSpan(at + 2));
                        if (response[at] == 2)
                            dheSize = selected switch { 0x08 => 64, 0x10 => 96, 0x20 => 132, 0x01 => 256, 0x02 => 384, 0x04 => 512, _ => 0 };
                        if (response[at] == 4)
                            requesterSignatureSize = SignatureSize(selected);
                    }
                    break;
                case 0x82: // GET_CERTIFICATE / CERTIFICATE: PortionLength u16 at 4
                    responderChain.AddRange(response.AsSpan(8, BinaryPrimitives.ReadUInt16LittleEndian(response.AsSpan(4))).ToArray());
                    break;
                case 0xE4: // KEY_EXCHANGE: 40 + D, OpaqueDataLength, OpaqueData
                    int opaque = BinaryPrimitives.ReadUInt16LittleEndian(request.AsSpan(40 + dheSize));
                    keyExchange = request[..(40 + dheSize + 2 + opaque)];
                    // KEY_EXCHANGE_RSP (no summary hash, no verify data in the clear): 40 + D, opaque, signature.
                    int rspOpaque = BinaryPrimitives.ReadUInt16LittleEndian(response.AsSpan(40 + dheSize));
                    keyExchangeRsp = response[..(40 + dheSize + 2 + rspOpaque + signatureSize)];
                    break;
                case 0xE5: // FINISH: header, signature, verify data
                    finish = request[..(4 + requesterSignatureSize + hashSize)];
                    break;
            }
        }
        Assert.That(keyExchange, Is.Not.Null, "KEY_EXCHANGE captured");
        Assert.That(finish, Is.Not.Null, "FINISH captured in the clear");
        Assert.That(finish![2] & 0x01, Is.EqualTo(1), "FINISH says SignatureIncluded");

        byte[] H(byte[] data) => hashName switch
        {
            "sha256" => System.Security.Cryptography.SHA256.HashData(data),
            "sha384" => System.Security.Cryptography.SHA384.HashData(data),
            _ => System.Security.Cryptography.SHA512.HashData(data),
        };
        // The requester's SPDM chain: Length u16, Reserved u16, RootHash, DER certificates.
        byte[] rootHash = H(requesterRootDer);
        int chainLength = 4 + rootHash.Length + requesterDer.Length;
        byte[] requesterChain = [(byte)chainLength, (byte)(chainLength >> 8), 0, 0, .. rootHash, .. requesterDer];

        byte[] th = [.. vca, .. H([.. responderChain]), .. keyExchange!, .. keyExchangeRsp!, .. H(requesterChain), .. finish[..4]];
        byte[] message = version >= SpdmVersion.V12 ? [.. Prefix(version), .. H(th)] : th;
        return new CapturedTranscript(version, message, finish.AsSpan(4, requesterSignatureSize).ToArray(), hashName);
    }

    private static byte[] Prefix(SpdmVersion version)
    {
        var prefix = new byte[100];
        byte[] part = System.Text.Encoding.ASCII.GetBytes($"dmtf-spdm-v{version.Major}.{version.Minor}.*");
        for (int i = 0; i < 4; i++)
            part.CopyTo(prefix, i * 16);
        byte[] context = System.Text.Encoding.ASCII.GetBytes("requester-finish signing");
        context.CopyTo(prefix, 100 - context.Length);
        return prefix;
    }

    private static int SignatureSize(uint asym) => asym switch
    {
        0x10 => 64,
        0x80 => 96,
        0x100 => 132,
        0x1 or 0x2 => 256,
        _ => throw new AssertionException($"unexpected asym selection 0x{asym:x}"),
    };
}
