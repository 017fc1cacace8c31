namespace CmaBroker.Spdm.Requester;

/// <summary>An append-only byte buffer for one transcript (A, B, C, L of protocols.md §4.9).</summary>
public sealed class TranscriptBuffer
{
    private readonly List<byte> _bytes = [];

    public int Length => _bytes.Count;

    public void Append(ReadOnlySpan<byte> message)
    {
        foreach (byte b in message)
            _bytes.Add(b);
    }

    public void Clear() => _bytes.Clear();

    public byte[] ToArray() => [.. _bytes];

    /// <summary>Concatenation of several transcripts.</summary>
    public static byte[] Concat(params ReadOnlySpan<TranscriptBuffer> parts)
    {
        var result = new List<byte>();
        foreach (var p in parts)
            result.AddRange(p._bytes);
        return [.. result];
    }
}
