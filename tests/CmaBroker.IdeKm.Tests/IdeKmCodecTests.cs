using CmaBroker.IdeKm.Messages;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.IdeKm.Tests;

/// <summary>IDE_KM codecs against layouts written out from protocols.md §6 (sources cited per test).</summary>
public sealed class IdeKmCodecTests
{
    [Test]
    public void QueryForPortZeroIsTheReferenceRequestOnTheWire()
    {
        // protocols.md §6.1: "12 FE 00 00 | 03 00 | 02 | 01 00 | 04 00 | 00 | 00 00 00" (spdm-emu pci_doe_spdm_vendor_send_receive.c).
        byte[] expected = Convert.FromHexString("12FE00000300020100040000000000");
        var carrier = VendorDefinedMessage.PciSig(SpdmVersion.V12, true, new IdeKmQuery(0).ToArray());
        Assert.That(carrier.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void KeyAndIfvTravelInReversedDwordOrder()
    {
        // Worked example: intel/tee-io-validator doc/key_byte_order.md, "PCIE IDE_KM KEY_PROG message" (PCIe 6.2).
        // AES key byte[0..31] = df 25 41 52 ... 27 20; wire dword DW7 comes first and holds bytes 0..3 with
        // byte[0] in bits 31:24, i.e. on the wire 52 41 25 df. IFV = 1: DW1 (0) then DW0 (1).
        byte[] aesKey = Convert.FromHexString("df254152056e02e0ef8b7feb9739d4d96a4eb80103241df7cd5e24b49ccd2720");
        byte[] wireKey = Convert.FromHexString("524125dfe0026e05eb7f8befd9d43997" + "01b84e6af71d2403b4245ecd2027cd9c");
        var keyProg = new IdeKmKeyProg(3, new KeySubStream(IdeKeySet.K1, IdeDirection.Tx, IdeSubStream.Completion), 2, aesKey.ToArray(), IdeKeyEncoding.InitialIfv);

        byte[] bytes = keyProg.ToArray();

        Assert.That(bytes, Has.Length.EqualTo(48));
        Assert.That(bytes[..8], Is.EqualTo(new byte[] { 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x23, 0x02 }), "ProtocolID, ObjectID, Reserved x2, StreamID, Reserved, KeySubStream K1|TX|CPL, PortIndex");
        Assert.That(bytes[8..40], Is.EqualTo(wireKey));
        Assert.That(bytes[40..], Is.EqualTo(new byte[] { 0, 0, 0, 0, 1, 0, 0, 0 }));
        Assert.That(IdeKmCodec.TryParse(bytes, out var parsed), Is.True);
        var back = (IdeKmKeyProg)parsed;
        Assert.That(back.Key, Is.EqualTo(aesKey));
        Assert.That(back.Ifv, Is.EqualTo(1UL));
    }

    [Test]
    public void KeyProgToStringAndDisposeNeverLeaveTheKey()
    {
        byte[] key = Enumerable.Range(0xA0, 32).Select(b => (byte)b).ToArray();
        var keyProg = new IdeKmKeyProg(0, new KeySubStream(IdeKeySet.K0, IdeDirection.Rx, IdeSubStream.Posted), 0, key, 1);
        Assert.That(keyProg.ToString(), Does.Not.Contain("A0A1").IgnoreCase.And.Not.Contain("a0 a1"));
        keyProg.Dispose();
        Assert.That(key, Is.All.EqualTo(0));
    }

    [TestCase((byte)0x00, IdeKeySet.K0, IdeDirection.Rx, IdeSubStream.Posted)]
    [TestCase((byte)0x10, IdeKeySet.K0, IdeDirection.Rx, IdeSubStream.NonPosted)]
    [TestCase((byte)0x22, IdeKeySet.K0, IdeDirection.Tx, IdeSubStream.Completion)]
    [TestCase((byte)0x13, IdeKeySet.K1, IdeDirection.Tx, IdeSubStream.NonPosted)]
    public void KeySubStreamBitsFollowTheLayout(byte value, IdeKeySet set, IdeDirection direction, IdeSubStream sub)
    {
        // protocols.md §6.3: bit0 KeySet, bit1 direction (1 = TX), bits 7:4 sub-stream (0 PR, 1 NPR, 2 CPL).
        var parsed = KeySubStream.FromByte(value);
        Assert.That((parsed.KeySet, parsed.Direction, parsed.SubStream), Is.EqualTo((set, direction, sub)));
        Assert.That(new KeySubStream(set, direction, sub).Value, Is.EqualTo(value));
    }

    [Test]
    public void SwappedTurnsRxIntoTxAndKeepsTheRest()
    {
        var rx = new KeySubStream(IdeKeySet.K1, IdeDirection.Rx, IdeSubStream.NonPosted);
        Assert.That(rx.Swapped(), Is.EqualTo(new KeySubStream(IdeKeySet.K1, IdeDirection.Tx, IdeSubStream.NonPosted)));
        Assert.That(rx.Swapped().Swapped(), Is.EqualTo(rx));
    }

    [Test]
    public void KpAckGoStopAndQueryRespLayouts()
    {
        // protocols.md §6.3: KP_ACK = ObjectID 3, Reserved x2, StreamID, Status, KeySubStream, PortIndex.
        var ack = new IdeKmKpAck(5, KpAckStatus.UnsupportedValue, new KeySubStream(IdeKeySet.K0, IdeDirection.Tx, IdeSubStream.Posted), 1);
        Assert.That(ack.ToArray(), Is.EqualTo(new byte[] { 0, 3, 0, 0, 5, 3, 0x02, 1 }));
        var go = IdeKmKeySetMessage.Go(7, new KeySubStream(IdeKeySet.K1, IdeDirection.Rx, IdeSubStream.Completion), 0);
        Assert.That(go.ToArray(), Is.EqualTo(new byte[] { 0, 4, 0, 0, 7, 0, 0x21, 0 }));
        Assert.That(IdeKmKeySetMessage.Stop(7, go.SubStream, 0).ToArray()[1], Is.EqualTo(5));
        Assert.That(IdeKmKeySetMessage.Ack(7, go.SubStream, 0).ToArray()[1], Is.EqualTo(6));
        var resp = new IdeKmQueryResponse(1, 0x08, 0x3a, 0, 7, [0x0100_0042u, 0u]);
        Assert.That(resp.ToArray(), Is.EqualTo(Convert.FromHexString("00010001083a0007" + "42000001" + "00000000")));
    }

    [TestCase(KpAckStatus.IncorrectLength, IdeKmFailure.IncorrectLength)]
    [TestCase(KpAckStatus.UnsupportedPortIndex, IdeKmFailure.UnsupportedPortIndex)]
    [TestCase(KpAckStatus.UnsupportedValue, IdeKmFailure.UnsupportedValue)]
    [TestCase(KpAckStatus.UnspecifiedFailure, IdeKmFailure.UnspecifiedFailure)]
    [TestCase((KpAckStatus)9, IdeKmFailure.UnspecifiedFailure)]
    public void EveryKpAckStatusMapsToATypedFailure(KpAckStatus status, IdeKmFailure failure) =>
        Assert.That(IdeKmException.FailureOf(status), Is.EqualTo(failure));

    [Test]
    public void SuccessIsNotAFailure() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => IdeKmException.FailureOf(KpAckStatus.Success));

    [TestCase("0000000001", Description = "QUERY one byte too long")]
    [TestCase("000300000000000001", Description = "KP_ACK one byte too long")]
    [TestCase("0104000000000000", Description = "ProtocolID 1 is TDISP, not IDE_KM")]
    [TestCase("0009000000000000", Description = "unknown Object ID")]
    [TestCase("0002", Description = "KEY_PROG without its body")]
    public void MalformedPayloadsAreRejected(string hex) =>
        Assert.That(IdeKmCodec.TryParse(Convert.FromHexString(hex), out _), Is.False);
}
