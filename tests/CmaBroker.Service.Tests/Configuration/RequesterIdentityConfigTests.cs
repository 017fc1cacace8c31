using System.Diagnostics;
using System.Runtime.InteropServices;
using CmaBroker.Doe.Errors;
using CmaBroker.Service.Authentication;
using CmaBroker.Service.Configuration;
using CmaBroker.Service.Tests.Support;
using CmaBroker.Spdm.Messages;
using NUnit.Framework;

namespace CmaBroker.Service.Tests.Configuration;

/// <summary>
/// requesterCertChain / requesterKey: both or neither, the key file owned by root with mode 0600 (refused
/// otherwise, naming owner and mode), the identity loaded from files made by packaging/make-requester-identity.sh,
/// and re-read with every policy load (Reload).
/// </summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class RequesterIdentityConfigTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    private string MakeIdentity(string name, string kind)
    {
        string dir = Path.Combine(_temp.Path, name);
        using var process = Process.Start(new ProcessStartInfo("sh", [RepositoryFiles.Path("packaging/make-requester-identity.sh"), dir, kind])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, output);
        return dir;
    }

    private static BrokerConfig Config(string dir) => new()
    {
        RequesterCertChain = Path.Combine(dir, "requester-chain.pem"),
        RequesterKey = Path.Combine(dir, "requester-key.pem"),
    };

    [Test]
    public void AKeyOwnedByTheRequiredUserWithMode0600Loads()
    {
        string dir = MakeIdentity("a", "p384");
        var identity = RequesterIdentityLoader.Load(Config(dir), GetEuid());
        Assert.That(identity, Is.Not.Null);
        Assert.That(identity!.BaseAsym, Is.EqualTo(BaseAsymAlgorithms.EcdsaP384));
        Assert.That(identity.Certificates, Has.Count.EqualTo(3));
        Assert.That(identity.Certificates[0].SubjectDN.ToString(), Does.Contain("test requester CA"), "root first");
    }

    [Test]
    public void AKeyReadableByOthersIsRefusedNamingItsMode()
    {
        string dir = MakeIdentity("a", "p256");
        File.SetUnixFileMode(Path.Combine(dir, "requester-key.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var e = Assert.Throws<CmaException>(() => RequesterIdentityLoader.Load(Config(dir), GetEuid()));
        Assert.That(e!.Kind, Is.EqualTo(CmaErrorKind.InvalidArgument));
        Assert.That(e.Message, Does.Contain("mode 0644").And.Contain("mode 0600"));
    }

    [Test]
    public void AKeyNotOwnedByRootIsRefused()
    {
        string dir = MakeIdentity("a", "p256");
        string key = Path.Combine(dir, "requester-key.pem");
        uint me = GetEuid();
        if (me == 0)
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite); // still root: give it away below
        var config = Config(dir);
        if (me == 0)
        {
            using var chown = Process.Start("chown", ["65534", key])!;
            chown.WaitForExit();
            Assert.That(chown.ExitCode, Is.Zero);
        }
        var e = Assert.Throws<CmaException>(() => RequesterIdentityLoader.Load(config));
        Assert.That(e!.Message, Does.Contain($"owned by uid {(me == 0 ? 65534 : me)}").And.Contain("owned by root"));
    }

    [Test]
    public void ASymlinkedKeyIsRefused()
    {
        string dir = MakeIdentity("a", "p256");
        string link = Path.Combine(dir, "link.pem");
        File.CreateSymbolicLink(link, Path.Combine(dir, "requester-key.pem"));
        var e = Assert.Throws<CmaException>(() => RequesterIdentityLoader.Load(Config(dir) with { RequesterKey = link }, GetEuid()));
        Assert.That(e!.Message, Does.Contain("not a regular file"));
    }

    [Test]
    public void AKeyOfAnotherChainIsRefused()
    {
        string a = MakeIdentity("a", "p256"), b = MakeIdentity("b", "p256");
        var e = Assert.Throws<CmaException>(() => RequesterIdentityLoader.Load(Config(a) with { RequesterKey = Path.Combine(b, "requester-key.pem") }, GetEuid()));
        Assert.That(e!.Message, Does.Contain("does not belong to the leaf certificate"));
    }

    [Test]
    public void TheLoaderWantsBothKeysOrNeither()
    {
        string path = Path.Combine(_temp.Path, "cma-broker.json");
        File.WriteAllText(path, """{ "requesterCertChain": "/etc/cma-broker/requester-chain.pem" }""");
        var e = Assert.Throws<CmaException>(() => BrokerConfigLoader.Load(path, null, _ => null));
        Assert.That(e!.Message, Does.Contain("key 'requesterKey'").And.Contain("set together"));

        File.WriteAllText(path, """{ "requesterCertChain": "/x/chain.pem", "requesterKey": "/x/key.pem" }""");
        var config = BrokerConfigLoader.Load(path, null, _ => null);
        Assert.That(config.RequesterCertChain, Is.EqualTo("/x/chain.pem"));
        Assert.That(config.RequesterKey, Is.EqualTo("/x/key.pem"));
        Assert.That(RequesterIdentityLoader.Load(new BrokerConfig()), Is.Null, "not configured: no identity");
    }

    [Test]
    public void EveryPolicyLoadReReadsTheKey()
    {
        if (GetEuid() != 0)
            Assert.Ignore("PolicySet.Load insists on a root-owned key; this process is not root");
        string dir = MakeIdentity("a", "p256");
        var config = Config(dir) with { TrustDirectory = _temp.Path, ReferenceDirectory = _temp.Path };
        var first = PolicySet.Load(config);
        Assert.That(first.Requester!.BaseAsym, Is.EqualTo(BaseAsymAlgorithms.EcdsaP256));

        // Replace the identity in place (as an operator rotating the key does), then load again.
        string other = MakeIdentity("b", "p384");
        File.Copy(Path.Combine(other, "requester-chain.pem"), Path.Combine(dir, "requester-chain.pem"), overwrite: true);
        File.Copy(Path.Combine(other, "requester-key.pem"), Path.Combine(dir, "requester-key.pem"), overwrite: true);
        var second = PolicySet.Load(config);
        Assert.That(second.Requester!.BaseAsym, Is.EqualTo(BaseAsymAlgorithms.EcdsaP384));

        File.SetUnixFileMode(Path.Combine(dir, "requester-key.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Throws<CmaException>(() => PolicySet.Load(config), "a loosened key is refused on reload");
    }
}
