using CmaBroker.Doe;
using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Socket;

namespace CmaBroker.Emulation.Tests.Socket;

[TestFixture]
public sealed class SpdmSocketFramingTests
{
    [Test]
    public void Header_fields_are_big_endian()
    {
        var frame = new SpdmSocketFrame(SpdmSocketCommand.Normal, SpdmSocketTransport.PciDoe, new byte[] { 0xAA, 0xBB });

        Assert.That(frame.ToBytes(), Is.EqualTo(new byte[] { 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0xAA, 0xBB }));
        Assert.That(SpdmSocketFrameHeader.TryParse([0, 0, 0xFF, 0xFD, 0, 0, 0, 2, 0, 0, 0, 0], out var header), Is.True);
        Assert.That(header, Is.EqualTo(new SpdmSocketFrameHeader(SpdmSocketCommand.Continue, SpdmSocketTransport.PciDoe, 0)));
    }

    [Test]
    public void Doe_object_carries_its_header_and_padding()
    {
        // protocols.md §2.4: GET_VERSION as a CMA object.
        var bytes = DoeObjectWire.Encode(new DoeObject(DoeProtocol.Cma, new byte[] { 0x10, 0x84, 0x00, 0x00 }));
        Assert.That(bytes, Is.EqualTo(new byte[] { 0x01, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0x84, 0x00, 0x00 }));

        var padded = DoeObjectWire.Encode(new DoeObject(DoeProtocol.Cma, new byte[] { 1, 2, 3, 4, 5 }));
        Assert.That(padded, Has.Length.EqualTo(16));
        Assert.That(DoeObjectWire.TryDecode(padded, out var decoded, out _), Is.True);
        Assert.That(decoded!.Payload.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 0, 0, 0 }));
    }

    [Test]
    public void Doe_object_with_a_wrong_length_or_reserved_byte_is_rejected()
    {
        byte[] wrongLength = [0x01, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x10, 0x84, 0x00, 0x00];
        byte[] reservedSet = [0x01, 0x00, 0x01, 0x01, 0x03, 0x00, 0x00, 0x00, 0x10, 0x84, 0x00, 0x00];

        Assert.That(DoeObjectWire.TryDecode(wrongLength, out _, out var lengthError), Is.False);
        Assert.That(lengthError, Does.Contain("4 dwords"));
        Assert.That(DoeObjectWire.TryDecode(reservedSet, out _, out var reservedError), Is.False);
        Assert.That(reservedError, Does.Contain("reserved"));
    }

    [Test]
    public async Task Reader_assembles_a_frame_delivered_one_byte_at_a_time()
    {
        var frame = new SpdmSocketFrame(SpdmSocketCommand.Test, SpdmSocketTransport.PciDoe, SpdmSocketFrame.ClientHello);
        await using var stream = new OneByteStream(frame.ToBytes());

        var read = await SpdmSocketFrameIO.ReadAsync(stream, 64, CancellationToken.None);

        Assert.That(read!.Command, Is.EqualTo(SpdmSocketCommand.Test));
        Assert.That(read.Payload.ToArray(), Is.EqualTo(SpdmSocketFrame.ClientHello.ToArray()));
        Assert.That(await SpdmSocketFrameIO.ReadAsync(stream, 64, CancellationToken.None), Is.Null, "clean end between frames");
    }

    [Test]
    public void Reader_rejects_a_cut_frame_and_an_oversized_announcement()
    {
        var bytes = new SpdmSocketFrame(SpdmSocketCommand.Normal, SpdmSocketTransport.PciDoe, new byte[16]).ToBytes();

        var cut = Assert.ThrowsAsync<CmaException>(async () => await SpdmSocketFrameIO.ReadAsync(new MemoryStream(bytes[..20]), 64, CancellationToken.None));
        Assert.That(cut!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(cut.Message, Does.Contain("8 of 16"));
        var big = Assert.ThrowsAsync<CmaException>(async () => await SpdmSocketFrameIO.ReadAsync(new MemoryStream(bytes), 8, CancellationToken.None));
        Assert.That(big!.Kind, Is.EqualTo(CmaErrorKind.ProtocolError));
        Assert.That(big.Message, Does.Contain("16 payload bytes"));
    }

    /// <summary>A read-only stream that never returns more than one byte per read, like a badly segmented TCP peer.</summary>
    private sealed class OneByteStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 1)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, 1), cancellationToken);
    }
}
