using System.Text.RegularExpressions;
using CmaBroker.IdeKm.Messages;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Tests.Support;
using CmaBroker.TestSupport;

namespace CmaBroker.IdeKm.Tests;

/// <summary>
/// Every PCI-SIG IDE_KM message of the libspdm recording <c>v12-p384-sha384-aes256-idekm-tdisp</c>
/// (spdm-emu's APP sequence; fixtures/libspdm/README.md) parses and re-encodes byte for byte. TDISP,
/// CXL IDE_KM, CXL TSP and the PSK session's messages are recognised and skipped. The recording's
/// order is the reference emulator's demo order, so only the codecs are checked here.
/// </summary>
public sealed partial class FixtureRoundTripTests
{
    private const string Name = "v12-p384-sha384-aes256-idekm-tdisp";

    [GeneratedRegex(@"^#\s+(\d+) (?:REQ|RSP) type 2 .*\((s\d)\)")]
    private static partial Regex SessionComment();

    private static Dictionary<int, string> SessionOfLine()
    {
        var map = new Dictionary<int, string>();
        foreach (string line in File.ReadLines(SharedFixtures.LibSpdmFile(Name + ".transcript.txt")))
            if (SessionComment().Match(line) is { Success: true } m)
                map[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] = m.Groups[2].Value;
        return map;
    }

    [Test]
    public void EveryPciSigIdeKmMessageRoundTripsByteForByte()
    {
        var secrets = LibSpdmSecrets.Load(Name + ".secrets.txt");
        var sessions = SessionOfLine();
        var counts = new Dictionary<string, int>();
        var objects = new Dictionary<IdeKmObjectId, int>();
        foreach (var obj in LibSpdmTranscript.Load(Name + ".transcript.txt").Where(o => o.Type == 2))
        {
            byte[] app = secrets.Bytes($"line{obj.Line}.app_data");
            string session = sessions[obj.Line];
            if (app[1] is not ((byte)SpdmCode.VendorDefinedRequest or (byte)SpdmCode.VendorDefinedResponse))
                continue;
            Assert.That(VendorDefinedMessage.TryParse(app, obj.IsRequest, out var vendor, out int consumed), Is.True, $"line {obj.Line}");
            Assert.That(consumed, Is.EqualTo(app.Length), $"line {obj.Line}");
            string kind = Classify(vendor);
            counts[$"{session} {kind}"] = counts.GetValueOrDefault($"{session} {kind}") + 1;
            if (kind != "IDE_KM")
                continue;
            Assert.That(IdeKmCodec.TryParse(vendor.Payload, out var message), Is.True, $"line {obj.Line}: {Convert.ToHexString(vendor.Payload)}");
            Assert.That(message.ObjectId is IdeKmObjectId.Query or IdeKmObjectId.KeyProg or IdeKmObjectId.KSetGo or IdeKmObjectId.KSetStop,
                Is.EqualTo(obj.IsRequest), $"line {obj.Line}: {message.ObjectId} travels the wrong way");
            objects[message.ObjectId] = objects.GetValueOrDefault(message.ObjectId) + 1;
            byte[] again = VendorDefinedMessage.PciSig(vendor.Version, obj.IsRequest, message.ToArray()).ToArray();
            Assert.That(Convert.ToHexString(again), Is.EqualTo(Convert.ToHexString(app)), $"line {obj.Line} {message.ObjectId}");
            if (message is IdeKmKeyProg keyProg)
            {
                Assert.That(keyProg.Ifv, Is.EqualTo(IdeKeyEncoding.InitialIfv), $"line {obj.Line}: spdm-emu sends IFV DW0 = 0, DW1 = 1");
                Assert.That(keyProg.PortIndex, Is.EqualTo(1));
                keyProg.Dispose();
            }
        }

        // Per DHE session: QUERY/QUERY_RESP, 6 x (KEY_PROG, KP_ACK, K_SET_GO, K_GOSTOP_ACK), 6 x (K_SET_STOP, K_GOSTOP_ACK).
        Assert.That(counts.GetValueOrDefault("s1 IDE_KM"), Is.EqualTo(38));
        Assert.That(counts.GetValueOrDefault("s3 IDE_KM"), Is.EqualTo(38));
        Assert.That(counts.GetValueOrDefault("s2 IDE_KM"), Is.Zero, "the PSK session carries CXL TSP only");
        Assert.That(counts.GetValueOrDefault("s2 CXL TSP"), Is.EqualTo(14));
        Assert.That(counts.GetValueOrDefault("s1 TDISP") + counts.GetValueOrDefault("s3 TDISP"), Is.EqualTo(44));
        Assert.That(counts.GetValueOrDefault("s1 CXL IDE_KM") + counts.GetValueOrDefault("s3 CXL IDE_KM"), Is.EqualTo(32));
        Assert.That(objects, Is.EquivalentTo(new Dictionary<IdeKmObjectId, int>
        {
            [IdeKmObjectId.Query] = 2, [IdeKmObjectId.QueryResp] = 2, [IdeKmObjectId.KeyProg] = 12, [IdeKmObjectId.KpAck] = 12,
            [IdeKmObjectId.KSetGo] = 12, [IdeKmObjectId.KSetStop] = 12, [IdeKmObjectId.KGoStopAck] = 24,
        }));
    }

    [Test]
    public void TheRecordedQueryRespDescribesPortOneOfSevenWithSpdmEmusRegisterBlock()
    {
        var secrets = LibSpdmSecrets.Load(Name + ".secrets.txt");
        Assert.That(VendorDefinedMessage.TryParse(secrets.Bytes("line34.app_data"), false, out var vendor, out _), Is.True);
        Assert.That(IdeKmCodec.TryParse(vendor.Payload, out var message), Is.True);
        var resp = (IdeKmQueryResponse)message;
        Assert.That((resp.PortIndex, resp.MaxPortIndex), Is.EqualTo(((byte)1, (byte)7)));
        // spdm-emu's sample: 2 + 2*4 link + (3 + 2 + 3*1)*8 selective = 74 DW (protocols.md §6.3).
        Assert.That(resp.Registers, Has.Count.EqualTo(74));
    }

    private static string Classify(VendorDefinedMessage vendor)
    {
        bool pciSig = vendor.StandardId == VendorStandardId.PciSig && vendor.VendorId.AsSpan().SequenceEqual(IdeKmCodec.PciSigVendorId);
        bool cxl = vendor.StandardId == VendorStandardId.PciSig && vendor.VendorId.AsSpan().SequenceEqual(new byte[] { 0x98, 0x1e });
        byte protocol = vendor.Payload.Length > 0 ? vendor.Payload[0] : (byte)0xFF;
        return (pciSig, cxl, protocol) switch
        {
            (true, _, 0) => "IDE_KM",
            (true, _, 1) => "TDISP",
            (_, true, 0) => "CXL IDE_KM",
            (_, true, 1) => "CXL TSP",
            _ => "other",
        };
    }
}
