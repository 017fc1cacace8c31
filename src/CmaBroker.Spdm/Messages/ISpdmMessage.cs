namespace CmaBroker.Spdm.Messages;

/// <summary>A message that knows its exact SPDM length (no transport padding) and writes itself.</summary>
public interface ISpdmMessage
{
    /// <summary>Exact SPDM message length in bytes.</summary>
    int Length { get; }

    /// <summary>Writes exactly <see cref="Length"/> bytes to the start of <paramref name="destination"/>.</summary>
    void Write(Span<byte> destination);
}

public static class SpdmMessageExtensions
{
    public static byte[] ToArray(this ISpdmMessage message)
    {
        var bytes = new byte[message.Length];
        message.Write(bytes);
        return bytes;
    }
}
