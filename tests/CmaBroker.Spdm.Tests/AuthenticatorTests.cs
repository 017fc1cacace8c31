using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Tests.Support;
using NUnit.Framework;

namespace CmaBroker.Spdm.Tests;

/// <summary>The live requester (<see cref="SpdmAuthenticator"/>) against a signing test responder with real chains.</summary>
public sealed class AuthenticatorTests
{
    private static AuthenticationOptions Options(TestChain trusted, Action<AuthenticationOptions>? _ = null) => new()
    {
        TrustAnchors = [trusted.Root],
        Clock = new FixedClock(TestPki.ValidNow),
        BusyRetryDelay = TimeSpan.FromMilliseconds(1),
        MaxResponseNotReadyWait = TimeSpan.FromMilliseconds(5),
    };

    private static (TestResponder Responder, TestChain Chain) Device(BaseAsymAlgorithms asym = BaseAsymAlgorithms.EcdsaP384,
        BaseHashAlgorithms hash = BaseHashAlgorithms.Sha384, bool cmaSan = true)
    {
        var chain = TestPki.CreateChain(asym, "Dev", cmaSubjectAltName: cmaSan);
        return (new TestResponder(chain, asym, hash), chain);
    }

    private static Task<AuthenticationResult> Run(TestResponder responder, AuthenticationOptions options) =>
        SpdmAuthenticator.AuthenticateAsync(responder, options);

    [TestCase(0x10)]
    [TestCase(0x11)]
    [TestCase(0x12)]
    [TestCase(0x13)]
    public async Task AuthenticatesAtEveryVersion(int version)
    {
        var (responder, chain) = Device();
        responder.VersionEntries = [(ushort)(version << 8)];
        var result = await Run(responder, Options(chain));

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.Multiple(() =>
        {
            Assert.That(result.NegotiatedVersion, Is.EqualTo(new SpdmVersion((byte)version).ToString()));
            Assert.That(result.Algorithms["BaseAsym"], Is.EqualTo("ECDSA-P384"));
            Assert.That(result.Algorithms["BaseHash"], Is.EqualTo("SHA-384"));
            Assert.That(result.Algorithms["MeasurementSpec"], Is.EqualTo("DMTF"));
            Assert.That(result.MeasurementHashAlgorithm, Is.EqualTo("SHA-384"));
            Assert.That(result.Measurements.Select(m => m.Index), Is.EqualTo(new byte[] { 1, 2, 5 }));
            Assert.That(result.Measurements[2].IsRaw, Is.True);
            Assert.That(result.Evidence!.SignatureVerified, Is.True);
            Assert.That(result.Slots.Single().IsValid, Is.True);
            Assert.That(result.Slots.Single().LeafSubject, Is.EqualTo("CN=Dev Device"));
            Assert.That(result.Warnings, Is.Empty);
            Assert.That(result.Reason, Does.Contain("CHALLENGE_AUTH and MEASUREMENTS signatures verified"));
        });
    }

    [TestCase(BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256, 0x12)]
    [TestCase(BaseAsymAlgorithms.EcdsaP521, BaseHashAlgorithms.Sha512, 0x12)]
    [TestCase(BaseAsymAlgorithms.RsaSsa2048, BaseHashAlgorithms.Sha256, 0x11)]
    [TestCase(BaseAsymAlgorithms.RsaSsa2048, BaseHashAlgorithms.Sha384, 0x13)]
    [TestCase(BaseAsymAlgorithms.RsaPss2048, BaseHashAlgorithms.Sha256, 0x10)]
    [TestCase(BaseAsymAlgorithms.RsaPss2048, BaseHashAlgorithms.Sha512, 0x12)]
    [TestCase(BaseAsymAlgorithms.EdDsaEd25519, BaseHashAlgorithms.Sha256, 0x12)]
    [TestCase(BaseAsymAlgorithms.EdDsaEd448, BaseHashAlgorithms.Sha512, 0x13)]
    public async Task AuthenticatesEachSignatureAlgorithm(BaseAsymAlgorithms asym, BaseHashAlgorithms hash, int version)
    {
        var (responder, chain) = Device(asym, hash);
        responder.VersionEntries = [(ushort)(version << 8)];
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(result.Algorithms["BaseAsym"], Is.EqualTo(SpdmAlgorithms.Name(asym)));
    }

    [Test]
    public async Task EdDsaIsNotOfferedBeforeSpdm12()
    {
        var (responder, chain) = Device(BaseAsymAlgorithms.EdDsaEd25519, BaseHashAlgorithms.Sha256);
        responder.VersionEntries = [0x1100];
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Unsupported));
        Assert.That(result.Reason, Does.Contain("no single common signature algorithm"));
        var negotiate = responder.Requests.Single(r => r[1] == (byte)SpdmCode.NegotiateAlgorithms);
        Assert.That(NegotiateAlgorithmsRequest.TryParse(negotiate, out var request, out _), Is.True);
        Assert.That(request.BaseAsym & SpdmAlgorithms.EdDsa, Is.EqualTo(BaseAsymAlgorithms.None));
    }

    [TestCase(BaseAsymAlgorithms.Sm2P256, null, "SM2-P256")]
    [TestCase(null, BaseHashAlgorithms.Sha3_256, "SHA3-256")]
    [TestCase(null, BaseHashAlgorithms.Sm3_256, "SM3-256")]
    public async Task AlgorithmsTheProjectDoesNotSupportAreRefused(BaseAsymAlgorithms? asym, BaseHashAlgorithms? hash, string name)
    {
        var (responder, chain) = Device();
        responder.ForceAsym = asym;
        responder.ForceHash = hash;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Unsupported));
        Assert.That(result.Reason, Does.Contain(name).And.Contain("not supported"));
    }

    [Test]
    public async Task PicksTheHighestCommonVersionIgnoring14()
    {
        var (responder, chain) = Device();
        responder.VersionEntries = [0x1000, 0x1200, 0x1400];
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(result.NegotiatedVersion, Is.EqualTo("1.2"));
    }

    [Test]
    public async Task OnlySpdm14IsUnsupported()
    {
        var (responder, chain) = Device();
        responder.VersionEntries = [0x1400];
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Unsupported));
        Assert.That(result.Reason, Does.Contain("no common SPDM version").And.Contain("1.4"));
    }

    [Test]
    public async Task NoTrustAnchorsIsUntrusted()
    {
        var (responder, chain) = Device();
        var result = await Run(responder, Options(chain) with { TrustAnchors = [] });
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Untrusted));
        Assert.That(result.Reason, Is.EqualTo("no trust anchors configured"));
        Assert.That(result.Evidence!.SignatureVerified, Is.True, "signatures are still checked");
    }

    [Test]
    public async Task ChainFromAnUnknownCaIsUntrusted()
    {
        var (responder, _) = Device();
        var other = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP256, "Other");
        var result = await Run(responder, Options(other));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Untrusted));
        Assert.That(result.Reason, Does.Contain("'CN=Dev Root CA'").And.Contain("neither a configured trust anchor"));
    }

    [Test]
    public async Task ChainStartingAtAnIntermediateIssuedByTheAnchorIsAuthenticated()
    {
        var chain = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP256, "Partial") with { OmitRoot = true };
        var responder = new TestResponder(chain, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256);
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(result.Slots[0].Certificates, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task ExpiredLeafFailsWhenTheClockPassesItsEnd()
    {
        var chain = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP384, "Old", leafNotAfter: new DateTime(2029, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var responder = new TestResponder(chain, BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384);
        var before = await Run(responder, Options(chain) with { Clock = new FixedClock(new DateTimeOffset(2028, 6, 1, 0, 0, 0, TimeSpan.Zero)) });
        var after = await Run(responder, Options(chain));
        Assert.That(before.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), before.Reason);
        Assert.That(after.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(after.Reason, Does.Contain("'CN=Old Device' expired at 2029-01-01 00:00:00Z"));
        Assert.That(after.Slots[0].IsValid, Is.False);
    }

    [Test]
    public async Task IntermediateWithoutCaFlagFails()
    {
        var chain = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP256, "NoCa", intermediateIsCa: false);
        var responder = new TestResponder(chain, BaseAsymAlgorithms.EcdsaP256, BaseHashAlgorithms.Sha256);
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Does.Contain("is not a CA"));
    }

    [Test]
    public async Task BadChallengeSignatureFails()
    {
        var (responder, chain) = Device();
        responder.CorruptChallengeSignature = true;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Does.StartWith("CHALLENGE_AUTH signature invalid"));
        Assert.That(result.FailureKind, Is.EqualTo(AuthFailureKind.Signature));
    }

    [Test]
    public async Task ChallengeSignedByAnotherKeyFails()
    {
        var (responder, chain) = Device();
        responder.SigningKeyOverride = TestPki.Generate(BaseAsymAlgorithms.EcdsaP384).Private;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Does.Contain("does not verify with the leaf certificate's public key"));
    }

    [Test]
    public async Task BadMeasurementSignatureFails()
    {
        var (responder, chain) = Device();
        responder.CorruptMeasurementSignature = true;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Does.StartWith("MEASUREMENTS signature invalid"));
        Assert.That(result.Evidence!.SignatureVerified, Is.False);
        Assert.That(result.FailureKind, Is.EqualTo(AuthFailureKind.Signature));
    }

    [TestCase(SpdmCode.ChallengeAuth, "CHALLENGE_AUTH does not echo the RequesterContext")]
    [TestCase(SpdmCode.Measurements, "MEASUREMENTS does not echo the RequesterContext")]
    public async Task A_response_not_bound_to_the_request_is_a_nonce_failure(SpdmCode where, string reason)
    {
        var (responder, chain) = Device();
        responder.VersionEntries = [0x1300];
        responder.WrongRequesterContextIn = where;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Does.StartWith(reason));
        Assert.That(result.FailureKind, Is.EqualTo(AuthFailureKind.Nonce));
        Assert.That(AuthFailureKinds.Name(result.FailureKind), Is.EqualTo("nonce"));
    }

    [Test]
    public async Task WrongCertChainHashFails()
    {
        var (responder, chain) = Device();
        responder.WrongCertChainHash = true;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Does.Contain("CertChainHash does not match"));
        Assert.That(result.FailureKind, Is.EqualTo(AuthFailureKind.Chain));
    }

    [Test]
    public async Task MeasurementSummaryHashMismatchIsAWarning()
    {
        var (responder, chain) = Device();
        responder.WrongSummaryHash = true;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(result.Warnings, Has.One.Contains("MeasurementSummaryHash does not match"));
    }

    [Test]
    public async Task BusyIsRetriedWithinTheBound()
    {
        var (responder, chain) = Device();
        responder.BusyFor = SpdmCode.GetDigests;
        responder.BusyCount = 2;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(responder.Requests.Count(r => r[1] == (byte)SpdmCode.GetDigests), Is.EqualTo(3));
    }

    [Test]
    public async Task BusyBeyondTheBoundFails()
    {
        var (responder, chain) = Device();
        responder.BusyFor = SpdmCode.Challenge;
        responder.BusyCount = 10;
        var result = await Run(responder, Options(chain) with { BusyRetries = 2 });
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Is.EqualTo("responder still Busy after 2 retries of CHALLENGE"));
    }

    [Test]
    public async Task ResponseNotReadyIsFollowedByRespondIfReady()
    {
        var (responder, chain) = Device();
        responder.NotReadyFor = SpdmCode.Challenge;
        responder.NotReadyCount = 1;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        var rif = responder.Requests.Single(r => r[1] == (byte)SpdmCode.RespondIfReady);
        Assert.That(rif[..4], Is.EqualTo(new byte[] { 0x13, 0xFF, 0x83, 0x5A }));
    }

    [Test]
    public async Task ResponseNotReadyWaitIsCappedByConfiguration()
    {
        var (responder, chain) = Device();
        responder.NotReadyFor = SpdmCode.GetMeasurements;
        responder.NotReadyCount = 1;
        responder.NotReadyRdtExponent = 31; // 2^31 µs ≈ 36 minutes unless capped
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await Run(responder, Options(chain) with { MaxResponseNotReadyWait = TimeSpan.FromMilliseconds(20) });
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public async Task EndlessResponseNotReadyFails()
    {
        var (responder, chain) = Device();
        responder.NotReadyFor = SpdmCode.Challenge;
        responder.NotReadyCount = 100;
        responder.NotReadyEveryRound = true;
        var result = await Run(responder, Options(chain) with { MaxResponseNotReadyRounds = 3 });
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Is.EqualTo("responder answered ResponseNotReady 3 times to CHALLENGE"));
    }

    [Test]
    public async Task ResponseNotReadyForAnotherRequestFails()
    {
        var (responder, chain) = Device();
        responder.NotReadyFor = SpdmCode.GetMeasurements;
        responder.NotReadyCount = 1;
        responder.NotReadyNamesCode = SpdmCode.Challenge;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Does.Contain("ResponseNotReady names request CHALLENGE, but GET_MEASUREMENTS was sent"));
    }

    [Test]
    public async Task RequestResynchRestartsAtGetVersionOnce()
    {
        var (responder, chain) = Device();
        responder.ResynchFor = SpdmCode.GetCertificate;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(responder.Requests.Count(r => r[1] == (byte)SpdmCode.GetVersion), Is.EqualTo(2));
    }

    [Test]
    public async Task RepeatedRequestResynchFails()
    {
        var (responder, chain) = Device();
        responder.ResynchFor = SpdmCode.GetDigests;
        responder.ResynchEveryTime = true;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Does.Contain("RequestResynch"));
    }

    [Test]
    public async Task LargeResponseIsAProtocolErrorWithAClearReason()
    {
        var (responder, chain) = Device();
        responder.LargeResponseFor = SpdmCode.GetMeasurements;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Does.Contain("LargeResponse").And.Contain("CHUNK_CAP was not negotiated"));
    }

    [Test]
    public async Task UnsupportedRequestIsNamed()
    {
        var (responder, chain) = Device();
        responder.UnsupportedRequestFor = SpdmCode.Challenge;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Is.EqualTo("responder answered CHALLENGE with ERROR UnsupportedRequest (0x07, data 0x83)"));
    }

    [Test]
    public async Task CertificatesAreReadInPortionsOfAtMost1024Bytes()
    {
        var (responder, chain) = Device(BaseAsymAlgorithms.RsaPss2048, BaseHashAlgorithms.Sha256);
        responder.MaxPortion = 700;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        var requests = responder.Requests.Where(r => r[1] == (byte)SpdmCode.GetCertificate)
            .Select(r => { GetCertificateRequest.TryParse(r, out var g, out _); return g; }).ToList();
        int chainLength = chain.SpdmChain(BaseHashAlgorithms.Sha256).Length;
        Assert.That(requests.Select(r => (int)r.RequestedLength), Has.All.LessThanOrEqualTo(1024));
        Assert.That(requests, Has.Count.EqualTo((chainLength + 699) / 700));
        Assert.That(result.Slots[0].Chain, Has.Length.EqualTo(chainLength));
    }

    [Test]
    public async Task OverlongCertificatePortionFails()
    {
        var (responder, chain) = Device();
        responder.IgnoreRequestedLength = true;
        responder.MaxPortion = 1200;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Does.Match(@"CERTIFICATE for slot 0 returned 1[01]\d\d bytes, more than the 1024 requested"));
    }

    [TestCase(0x11)]
    [TestCase(0x12)]
    [TestCase(0x13)]
    public async Task MeasurementsFallBackToOneIndexAtATime(int version)
    {
        var (responder, chain) = Device();
        responder.VersionEntries = [(ushort)(version << 8)];
        responder.RefuseAllMeasurements = true;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(result.Measurements.Select(m => m.Index), Is.EqualTo(new byte[] { 1, 2, 5 }));
        Assert.That(result.Warnings, Has.One.Contains("one index at a time"));
        var signedRequests = responder.Requests.Where(r => r[1] == (byte)SpdmCode.GetMeasurements && (r[2] & 1) == 1).Select(r => r[3]).ToList();
        Assert.That(signedRequests, Is.EqualTo(new byte[] { 0xFF, 5 }), "the signature is requested on the last index only");
    }

    [Test]
    public async Task OtherSlotsAreReportedWithTheirOwnValidity()
    {
        var (responder, chain) = Device();
        var slot1 = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP384, "Second");
        responder.Slots[1] = slot1;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(result.Slots.Select(s => s.SlotId), Is.EqualTo(new[] { 0, 1 }));
        Assert.That(result.Slots[1].IsValid, Is.False);
        Assert.That(result.Slots[1].ValidationError, Does.Contain("'CN=Second Root CA'"));

        var slot1Result = await Run(responder, Options(slot1) with { Slot = 1 });
        Assert.That(slot1Result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), slot1Result.Reason);
        Assert.That(slot1Result.ChallengedSlot, Is.EqualTo(1));
        Assert.That(slot1Result.Slots[0].IsValid, Is.False);
    }

    [Test]
    public async Task UnprovisionedSlotFails()
    {
        var (responder, chain) = Device();
        var result = await Run(responder, Options(chain) with { Slot = 3 });
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Is.EqualTo("slot 3 is not provisioned (provisioned slots: 0)"));
    }

    [Test]
    public async Task MissingCmaSubjectAltNameIsOnlyAWarning()
    {
        var (responder, chain) = Device(cmaSan: false);
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(result.Warnings, Has.One.Contains("OID 2.23.147"));
    }

    [Test]
    public async Task ResponderWithoutChallengeCapabilityIsUnsupported()
    {
        var (responder, chain) = Device();
        responder.Capabilities = SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.MeasSig;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Unsupported));
        Assert.That(result.Reason, Does.Contain("lacks CHAL_CAP"));
    }

    [Test]
    public async Task ResponderWithoutMeasurementsIsAuthenticatedWithoutEvidence()
    {
        var (responder, chain) = Device();
        responder.Capabilities = SpdmCapabilityFlags.Cert | SpdmCapabilityFlags.Chal;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.That(result.Measurements, Is.Empty);
        Assert.That(result.Evidence, Is.Null);
        var challenge = responder.Requests.Single(r => r[1] == (byte)SpdmCode.Challenge);
        Assert.That(challenge[3], Is.EqualTo((byte)MeasurementSummaryHashType.None));
    }

    [Test]
    public async Task ResponseWithTheWrongVersionFails()
    {
        var (responder, chain) = Device();
        responder.VersionEntries = [0x1200];
        responder.WrongVersionByte = 0x11;
        var result = await Run(responder, Options(chain));
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Failed));
        Assert.That(result.Reason, Is.EqualTo("response to GET_CAPABILITIES carries SPDM version 1.1, expected 1.2"));
    }

    [Test]
    public async Task CallerNonceIsSignedIntoTheEvidence()
    {
        var (responder, chain) = Device();
        byte[] nonce = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
        var result = await Run(responder, Options(chain) with { MeasurementNonce = nonce });
        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        var evidence = result.Evidence!;
        Assert.That(evidence.RequesterNonce, Is.EqualTo(nonce));
        var leafKey = chain.Leaf.GetPublicKey();
        Assert.That(SpdmSignatureVerifier.Verify(SpdmVersion.V13, BaseAsymAlgorithms.EcdsaP384, BaseHashAlgorithms.Sha384, leafKey,
            SpdmSigningContext.ResponderMeasurements, evidence.Transcript, evidence.Signature), Is.Null, "a remote verifier can check the evidence");
        var signedRequest = responder.Requests.Last(r => r[1] == (byte)SpdmCode.GetMeasurements);
        Assert.That(signedRequest[4..36], Is.EqualTo(nonce));
    }

    [Test]
    public async Task TranscriptLogsEveryMessageInOrder()
    {
        var (responder, chain) = Device();
        var result = await Run(responder, Options(chain));
        Assert.That(result.Transcript, Has.Count.EqualTo(2 * responder.Requests.Count));
        Assert.That(result.Transcript[0].Message, Is.EqualTo(new byte[] { 0x10, 0x84, 0x00, 0x00 }));
        Assert.That(result.Transcript.Select(e => e.Direction), Is.EqualTo(Enumerable.Range(0, result.Transcript.Count)
            .Select(i => i % 2 == 0 ? TranscriptDirection.Request : TranscriptDirection.Response)));
        Assert.That(result.Transcript.Select(e => e.Timestamp), Has.All.EqualTo(TestPki.ValidNow));
    }

    [Test]
    public void InvalidOptionsThrowInvalidArgument()
    {
        var (responder, chain) = Device();
        var e = Assert.ThrowsAsync<CmaException>(() => Run(responder, Options(chain) with { Slot = 9 }));
        Assert.That(e!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
        var n = Assert.ThrowsAsync<CmaException>(() => Run(responder, Options(chain) with { MeasurementNonce = new byte[5] }));
        Assert.That(n!.Message, Does.Contain("32 bytes"));
    }
}
