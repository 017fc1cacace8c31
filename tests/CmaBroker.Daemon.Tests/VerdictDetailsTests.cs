using CmaBroker.Daemon.Tests.Infrastructure;
using CmaBroker.Emulation.Profiles;
using CmaBroker.Emulation.Socket;
using CmaBroker.Emulation.Spdm;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Tests;

/// <summary>
/// AuthErrorKind from the check that failed, for the emulator's profiles (bad-cert: chain; mismatch after Enroll:
/// policy) and for spdm-socket responders with the emulator's fault knobs (a corrupted CHALLENGE_AUTH signature:
/// signature; an expired leaf: expired); no trust anchors: no-anchors. LeafNotAfter, TrustAnchor and SlotDigests
/// of a good device, and all of them again after a restart from the state directory.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class VerdictDetailsTests
{
    private static async Task<string> TextAsync(BrokerUnderTest broker, string path, string name) =>
        (await broker.Client.GetPropertyAsync(path, Names.Device, name)).GetString();

    [Test]
    public async Task AuthErrorKind_names_the_check_that_failed()
    {
        await using var signatureServer = new SpdmSocketServer([new SpdmResponder(SpdmProfiles.ConfigFor("good")! with
            { Faults = new SpdmResponderFaults { CorruptChallengeSignature = true } })]);
        await using var expiredServer = new SpdmSocketServer([new SpdmResponder(SpdmProfiles.ConfigFor("good")! with
            { Faults = new SpdmResponderFaults { ExpiredLeaf = true } })]);
        signatureServer.Start();
        expiredServer.Start();
        string signatureTarget = $"spdm-socket:127.0.0.1:{signatureServer.Port}@ca00:fe:00.0";
        string expiredTarget = $"spdm-socket:127.0.0.1:{expiredServer.Port}@ca00:fe:01.0";
        await using var broker = await BrokerUnderTest.StartAsync(
            ["emulated:good#0", "emulated:bad-cert#0", "emulated:mismatch#0", signatureTarget, expiredTarget]);
        string good = await broker.DevicePathAsync("emulated:good");
        string badCert = await broker.DevicePathAsync("emulated:bad-cert");
        string mismatch = await broker.DevicePathAsync("emulated:mismatch");
        string signature = await broker.DevicePathAsync(signatureTarget);
        string expired = await broker.DevicePathAsync(expiredTarget);

        Assert.That(await broker.WaitForAuthSettledAsync(good), Is.EqualTo("authenticated"));
        Assert.That(await TextAsync(broker, good, "AuthErrorKind"), Is.Empty);
        Assert.That(await broker.WaitForAuthSettledAsync(badCert), Is.EqualTo("untrusted"));
        Assert.That(await TextAsync(broker, badCert, "AuthErrorKind"), Is.EqualTo("chain"));
        Assert.That(await broker.WaitForAuthSettledAsync(signature), Is.EqualTo("failed"), broker.Daemon.Log);
        Assert.That(await TextAsync(broker, signature, "AuthErrorKind"), Is.EqualTo("signature"), await TextAsync(broker, signature, "AuthError"));
        Assert.That(await broker.WaitForAuthSettledAsync(expired), Is.EqualTo("failed"), broker.Daemon.Log);
        Assert.That(await TextAsync(broker, expired, "AuthErrorKind"), Is.EqualTo("expired"), await TextAsync(broker, expired, "AuthError"));

        // mismatch: authenticated, measurements differ from the reference the good device enrolls.
        Assert.That(await broker.WaitForAuthSettledAsync(mismatch), Is.EqualTo("authenticated"));
        Assert.That(await TextAsync(broker, mismatch, "AuthErrorKind"), Is.Empty, "no reference yet: no-reference is no problem");
        await broker.Client.CallAsync(good, Names.Device, "Enroll", "a{sv}", (ref MessageWriter w) => w.WriteDictionaryEnd(w.WriteDictionaryStart()));
        Assert.That(await TextAsync(broker, mismatch, "MeasurementState"), Is.EqualTo("mismatch"));
        Assert.That(await TextAsync(broker, mismatch, "AuthErrorKind"), Is.EqualTo("policy"));
        Assert.That(await TextAsync(broker, good, "AuthErrorKind"), Is.Empty, "good matches the reference it enrolled");
    }

    [Test]
    public async Task Without_trust_anchors_AuthErrorKind_is_no_anchors()
    {
        await using var broker = await BrokerUnderTest.StartAsync(["emulated:good#0"], writeTrustAnchors: false);
        string good = await broker.DevicePathAsync("emulated:good");
        Assert.That(await broker.WaitForAuthSettledAsync(good), Is.EqualTo("untrusted"));
        Assert.That(await TextAsync(broker, good, "AuthErrorKind"), Is.EqualTo("no-anchors"));
        Assert.That(await TextAsync(broker, good, "TrustAnchor"), Is.Empty);
    }

    [Test]
    public async Task Leaf_expiry_trust_anchor_and_slot_digests_are_shown_and_survive_a_restart()
    {
        string[] targets = ["emulated:good#5", "emulated:bad-cert#5"];
        string saved = Directory.CreateTempSubdirectory("cmabroker-verdict-state-").FullName;
        try
        {
            Dictionary<string, VariantValue> goodBefore, badBefore;
            await using (var first = await BrokerUnderTest.StartAsync(targets))
            {
                string good = await first.DevicePathAsync(targets[0]);
                string bad = await first.DevicePathAsync(targets[1]);
                Assert.That(await first.WaitForAuthSettledAsync(good), Is.EqualTo("authenticated"));
                Assert.That(await first.WaitForAuthSettledAsync(bad), Is.EqualTo("untrusted"));
                goodBefore = await first.Client.GetAllPropertiesAsync(good, Names.Device);
                badBefore = await first.Client.GetAllPropertiesAsync(bad, Names.Device);
                for (int i = 0; i < 200 && Directory.GetFiles(first.Daemon.Directories.State, "pci_*.json").Length < 2; i++)
                    await Task.Delay(25);
                foreach (string file in Directory.GetFiles(first.Daemon.Directories.State, "pci_*.json"))
                    File.Copy(file, Path.Combine(saved, Path.GetFileName(file)));
            }
            string anchor = goodBefore["TrustAnchor"].GetString();
            Assert.That(anchor, Does.Contain("CN="));
            Assert.That(SpdmProfiles.TrustAnchors[0].SubjectDN.ToString(), Is.EqualTo(anchor), "the good root CA in trust.d");
            ulong notAfter = goodBefore["LeafNotAfter"].GetUInt64();
            Assert.That(notAfter, Is.GreaterThan((ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000));
            Dictionary<byte, string> digests = goodBefore["SlotDigests"].GetDictionary<byte, string>();
            Assert.That(digests.Keys, Is.EquivalentTo(new byte[] { 0, 1 }));
            Assert.That(digests.Values, Has.All.Match("^[0-9a-f]{64,128}$"));
            Assert.That(digests[0], Is.Not.EqualTo(digests[1]));
            Assert.That(badBefore["AuthErrorKind"].GetString(), Is.EqualTo("chain"));
            Assert.That(Directory.GetFiles(saved), Has.Length.EqualTo(2));

            await using var second = await BrokerUnderTest.StartAsync(targets, ["--set", "authenticateOnAdd=false"],
                prepare: d => { foreach (string file in Directory.GetFiles(saved)) File.Copy(file, Path.Combine(d.State, Path.GetFileName(file))); });
            string goodAgain = await second.DevicePathAsync(targets[0]);
            string badAgain = await second.DevicePathAsync(targets[1]);
            Dictionary<string, VariantValue> goodAfter = await second.Client.GetAllPropertiesAsync(goodAgain, Names.Device);
            Dictionary<string, VariantValue> badAfter = await second.Client.GetAllPropertiesAsync(badAgain, Names.Device);
            Assert.That(goodAfter["FromPreviousRun"].GetBool(), Is.True);
            Assert.That(goodAfter["TrustAnchor"].GetString(), Is.EqualTo(anchor));
            Assert.That(goodAfter["LeafNotAfter"].GetUInt64(), Is.EqualTo(notAfter));
            Assert.That(goodAfter["SlotDigests"].GetDictionary<byte, string>(), Is.EquivalentTo(digests));
            Assert.That(badAfter["AuthErrorKind"].GetString(), Is.EqualTo("chain"));
            Assert.That(badAfter["AuthError"].GetString(), Is.EqualTo(badBefore["AuthError"].GetString()));
        }
        finally
        {
            Directory.Delete(saved, recursive: true);
        }
    }
}
