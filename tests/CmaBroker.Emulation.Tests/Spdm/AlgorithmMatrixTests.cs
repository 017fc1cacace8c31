using CmaBroker.Emulation.Spdm;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Crypto;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Tests.Spdm;

/// <summary>
/// Every valid SPDM version × base asym × base hash combination authenticates against the emulator
/// through the real requester over an emulated DOE register mailbox (issue 3). EdDSA exists only
/// from 1.2. RSA-3072 and RSA-4096 private-key operations cost seconds per authentication on a
/// loaded two-core machine, so for them each version runs one hash, rotating so that every hash
/// still meets every RSA size and scheme (the hash handling is algorithm-independent code, fully
/// crossed with every other algorithm).
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class AlgorithmMatrixTests
{
    private static readonly BaseAsymAlgorithms[] Asyms =
    [
        BaseAsymAlgorithms.RsaSsa2048, BaseAsymAlgorithms.RsaPss2048, BaseAsymAlgorithms.RsaSsa3072, BaseAsymAlgorithms.RsaPss3072,
        BaseAsymAlgorithms.EcdsaP256, BaseAsymAlgorithms.RsaSsa4096, BaseAsymAlgorithms.RsaPss4096, BaseAsymAlgorithms.EcdsaP384,
        BaseAsymAlgorithms.EcdsaP521, BaseAsymAlgorithms.EdDsaEd25519, BaseAsymAlgorithms.EdDsaEd448,
    ];

    private static readonly BaseHashAlgorithms[] Hashes = [BaseHashAlgorithms.Sha256, BaseHashAlgorithms.Sha384, BaseHashAlgorithms.Sha512];

    public static IEnumerable<TestCaseData> Combinations() =>
        from version in SpdmVersion.Supported
        from asym in Asyms
        where version >= SpdmVersion.V12 || !SpdmAlgorithms.IsEdDsa(asym)
        from hash in Hashes
        where !IsSlowRsa(asym) || hash == RotatingHash(version, asym)
        select new TestCaseData(version, asym, hash).SetArgDisplayNames(version.ToString(), SpdmAlgorithms.Name(asym), SpdmAlgorithms.Name(hash));

    private static bool IsSlowRsa(BaseAsymAlgorithms asym) => SpdmAlgorithms.RsaModulusBits(asym) > 2048;

    private static BaseHashAlgorithms RotatingHash(SpdmVersion version, BaseAsymAlgorithms asym) =>
        Hashes[(SpdmVersion.Supported.ToList().IndexOf(version) + (SpdmAlgorithms.IsRsaPss(asym) ? 1 : 0)) % Hashes.Length];

    [TestCaseSource(nameof(Combinations))]
    public async Task Authenticates(SpdmVersion version, BaseAsymAlgorithms asym, BaseHashAlgorithms hash)
    {
        var config = new SpdmResponderConfig { Versions = [version], BaseAsym = asym, BaseHash = hash };

        var result = await EmulatedMailboxHarness.AuthenticateAsync(config);

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.Multiple(() =>
        {
            Assert.That(result.NegotiatedVersion, Is.EqualTo(version.ToString()));
            Assert.That(result.Algorithms["BaseAsym"], Is.EqualTo(SpdmAlgorithms.Name(asym)));
            Assert.That(result.Algorithms["BaseHash"], Is.EqualTo(SpdmAlgorithms.Name(hash)));
            Assert.That(result.Measurements.Select(m => m.Index), Is.EqualTo(new byte[] { 1, 2, 3, 4, EmulatedMeasurement.DeviceModeIndex }));
            Assert.That(result.Evidence?.SignatureVerified, Is.True);
            Assert.That(result.Slots.Select(s => s.SlotId), Is.EqualTo(new[] { 0, 1 }));
        });
    }

    [Test]
    public async Task Highest_common_choices_follow_the_libspdm_priority_when_everything_is_offered()
    {
        var result = await EmulatedMailboxHarness.AuthenticateAsync(new SpdmResponderConfig());

        Assert.That(result.Verdict, Is.EqualTo(AuthenticationVerdict.Authenticated), result.Reason);
        Assert.Multiple(() =>
        {
            Assert.That(result.NegotiatedVersion, Is.EqualTo("1.3"));
            Assert.That(result.Algorithms["BaseAsym"], Is.EqualTo("ECDSA-P521"));
            Assert.That(result.Algorithms["BaseHash"], Is.EqualTo("SHA-512"));
            Assert.That(result.Algorithms["MeasurementHash"], Is.EqualTo("SHA-512"));
        });
    }
}
