using CmaBroker.IdeKm.Messages;

namespace CmaBroker.Fuzz;

/// <summary>
/// PCIe IDE_KM messages (the VENDOR_DEFINED payload). A message the codec accepts has exactly the input's size,
/// writes without error and parses again.
/// </summary>
internal static class IdeKmTargets
{
    public static void Message(byte[] input)
    {
        if (!IdeKmCodec.TryParse(input, out IdeKmMessage message))
            return;
        FuzzTargets.Check(message.Length == input.Length, $"{message.ObjectId} of {input.Length} bytes parsed as {message.Length}");
        var written = new byte[message.Length];
        message.Write(written);
        FuzzTargets.Check(IdeKmCodec.TryParse(written, out IdeKmMessage again) && again.ObjectId == message.ObjectId,
            $"{message.ObjectId} as written does not parse again");
        (message as IDisposable)?.Dispose();
        (again as IDisposable)?.Dispose();
    }
}
