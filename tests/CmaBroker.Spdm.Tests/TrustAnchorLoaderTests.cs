using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Authentication;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Tests.Support;
using NUnit.Framework;

namespace CmaBroker.Spdm.Tests;

public sealed class TrustAnchorLoaderTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("cmabroker-trust-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, true);

    private static string Pem(byte[] der) =>
        "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks) + "\n-----END CERTIFICATE-----\n";

    [Test]
    public void LoadsPemWithSeveralCertificatesAndDerFromADirectory()
    {
        var a = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP256, "A");
        var b = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP256, "B");
        File.WriteAllText(Path.Combine(_dir, "1-two.pem"), "comment\n" + Pem(a.Root.GetEncoded()) + Pem(a.Intermediate.GetEncoded()));
        File.WriteAllBytes(Path.Combine(_dir, "2-one.der"), b.Root.GetEncoded());
        File.WriteAllText(Path.Combine(_dir, "README"), "not a certificate");

        var anchors = TrustAnchorLoader.LoadDirectory(_dir);

        Assert.That(anchors.Select(c => c.SubjectDN.ToString()), Is.EqualTo(new[] { "CN=A Root CA", "CN=A Intermediate CA", "CN=B Root CA" }));
        Assert.That(TrustAnchorLoader.Load(Path.Combine(_dir, "2-one.der")).Single().GetEncoded(), Is.EqualTo(b.Root.GetEncoded()));
    }

    [Test]
    public void ConcatenatedDerIsSplit()
    {
        var a = TestPki.CreateChain(BaseAsymAlgorithms.EcdsaP256, "C");
        string file = Path.Combine(_dir, "bundle.der");
        File.WriteAllBytes(file, a.Der);
        Assert.That(TrustAnchorLoader.LoadFile(file), Has.Count.EqualTo(3));
    }

    [Test]
    public void BadInputIsATypedError()
    {
        string garbage = Path.Combine(_dir, "bad.pem");
        File.WriteAllText(garbage, "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n");
        Assert.That(Assert.Throws<CmaException>(() => TrustAnchorLoader.LoadFile(garbage))!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
        Assert.That(Assert.Throws<CmaException>(() => TrustAnchorLoader.LoadFile(Path.Combine(_dir, "missing.pem")))!.Kind, Is.EqualTo(CmaErrorKind.NotFound));
        Assert.That(Assert.Throws<CmaException>(() => TrustAnchorLoader.LoadDirectory(Path.Combine(_dir, "nope")))!.Kind, Is.EqualTo(CmaErrorKind.NotFound));
        string notCertificate = Path.Combine(_dir, "sequence.der");
        File.WriteAllBytes(notCertificate, [0x30, 0x03, 0x02, 0x01, 0x05]);
        Assert.That(Assert.Throws<CmaException>(() => TrustAnchorLoader.LoadFile(notCertificate))!.Message, Does.Contain("is not a PEM or DER certificate file"));
        string empty = Path.Combine(_dir, "empty.der");
        File.WriteAllBytes(empty, []);
        Assert.That(Assert.Throws<CmaException>(() => TrustAnchorLoader.LoadFile(empty))!.Message, Does.Contain("holds no certificate"));
    }
}
