namespace CmaBroker.Spdm.Messages;

/// <summary>KEY_UPDATE KeyOperation (Param1, §4.15).</summary>
public enum KeyUpdateOperation : byte
{
    UpdateKey = 1,
    UpdateAllKeys = 2,
    VerifyNewKey = 3,
}

/// <summary>
/// The 4-byte in-session control messages that are only a header (§4.15): HEARTBEAT / HEARTBEAT_ACK,
/// KEY_UPDATE / KEY_UPDATE_ACK (Param1 KeyOperation, Param2 Tag echoed), END_SESSION (Param1 bit0
/// PreserveNegotiatedStateClear) / END_SESSION_ACK.
/// </summary>
public sealed record SessionControlMessage(SpdmVersion Version, SpdmCode Code, byte Param1 = 0, byte Param2 = 0) : ISpdmMessage
{
    public const byte EndSessionClearNegotiatedState = 0x01;

    public int Length => SpdmHeader.Size;

    public void Write(Span<byte> destination) => new SpdmHeader(Version, Code, Param1, Param2).Write(destination);

    public static bool IsControl(SpdmCode code) => code is SpdmCode.Heartbeat or SpdmCode.HeartbeatAck or SpdmCode.KeyUpdate
        or SpdmCode.KeyUpdateAck or SpdmCode.EndSession or SpdmCode.EndSessionAck;

    public static bool TryParse(ReadOnlySpan<byte> source, SpdmCode expected, out SessionControlMessage message, out int consumed)
    {
        message = null!;
        consumed = 0;
        if (!SpdmHeader.TryParse(source, out var h) || h.Code != expected || !IsControl(expected))
            return false;
        message = new SessionControlMessage(h.Version, h.Code, h.Param1, h.Param2);
        consumed = SpdmHeader.Size;
        return true;
    }
}
