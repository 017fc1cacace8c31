using CmaBroker.Doe;

namespace CmaBroker.Bench;

/// <summary>
/// Passes every access through to the emulated function and stamps the moment Go is written, so the
/// latency benchmark knows when the device raised Data Object Ready (Go + its response delay).
/// </summary>
internal sealed class GoClockConfigSpace(IConfigSpace inner, int mailboxOffset) : IConfigSpace
{
    /// <summary>Stopwatch timestamp of the last Go write.</summary>
    public long LastGo { get; private set; }

    public int Size => inner.Size;

    public uint ReadDword(int offset) => inner.ReadDword(offset);

    public void WriteDword(int offset, uint value)
    {
        if (offset == mailboxOffset + DoeRegisters.Control && (value & DoeRegisters.ControlGo) != 0)
            LastGo = System.Diagnostics.Stopwatch.GetTimestamp();
        inner.WriteDword(offset, value);
    }

    public void Dispose() => inner.Dispose();
}
