using CmaBroker.Doe;
using CmaBroker.Spdm.Socket;

namespace CmaBroker.Fuzz;

/// <summary>The DOE object decoder and, for Discovery objects, the Discovery response parser (both versions).</summary>
internal static class DoeTargets
{
    public static void ObjectAndDiscovery(byte[] input)
    {
        DoeObjectHeader.TryParse(input, out _);
        if (!DoeObjectWire.TryDecode(input, out DoeObject? decoded, out _))
            return;
        FuzzTargets.Check(decoded is not null, "TryDecode returned true without an object");
        byte[] again = DoeObjectWire.Encode(decoded!);
        FuzzTargets.Check(again.AsSpan().SequenceEqual(input), "a decoded DOE object does not encode back to its bytes");
        if (decoded!.Protocol == DoeProtocol.Discovery)
        {
            for (byte version = 0; version <= 2; version++)
                DoeDiscoveryResponse.TryParse(decoded.Payload.Span, version, out _);
        }
    }
}
