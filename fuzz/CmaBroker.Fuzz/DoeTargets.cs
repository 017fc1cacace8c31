using CmaBroker.Doe;
using CmaBroker.Doe.Echo;
using CmaBroker.Spdm.Socket;

namespace CmaBroker.Fuzz;

/// <summary>
/// The DOE object decoder and, for Discovery objects, the Discovery response parser (both versions); for the
/// emulator's echo protocol, the echo codec (an accepted message encodes back to itself).
/// </summary>
internal static class DoeTargets
{
    public static void ObjectAndDiscovery(byte[] input)
    {
        DoeObjectHeader.TryParse(input, out _);
        if (!DoeObjectWire.TryDecode(input, out DoeObject? decoded, out _))
            return;
        FuzzTargets.Check(decoded is not null, "TryDecode returned true without an object");
        // Encoding gives the input back, except bits 31:18 of the length dword: reserved, ignored on parse, written 0.
        byte[] expected = (byte[])input.Clone();
        expected[6] &= 0x03;
        expected[7] = 0;
        byte[] again = DoeObjectWire.Encode(decoded!);
        FuzzTargets.Check(again.AsSpan().SequenceEqual(expected), "a decoded DOE object does not encode back to its bytes");
        if (decoded!.Protocol == DoeProtocol.Discovery)
        {
            for (byte version = 0; version <= 2; version++)
                DoeDiscoveryResponse.TryParse(decoded.Payload.Span, version, out _);
        }
        else if (decoded.Protocol == DoeEcho.Protocol)
        {
            ReadOnlySpan<byte> message = decoded.Payload.Span;
            if (DoeEcho.TryParse(message, out ReadOnlySpan<byte> tag, out ReadOnlySpan<byte> payload, out _))
                FuzzTargets.Check(DoeEcho.Encode(tag, payload).AsSpan().SequenceEqual(message), "an accepted echo message does not encode back to its bytes");
        }
    }
}
