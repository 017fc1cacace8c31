namespace CmaBroker.Doe;

/// <summary>
/// One DOE data object without its 2-dword header: the protocol and the payload bytes. Payloads
/// travel dword-padded on the wire; a response payload is always a dword multiple.
/// </summary>
public sealed record DoeObject(DoeProtocol Protocol, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Largest object: 2^18 dwords including the 2 header dwords (PCIe r6.0 §6.30.1).</summary>
    public const int MaxLengthDwords = 1 << 18;

    /// <summary>Largest payload in bytes: (2^18 - 2) * 4.</summary>
    public const int MaxPayloadBytes = (MaxLengthDwords - 2) * 4;
}
