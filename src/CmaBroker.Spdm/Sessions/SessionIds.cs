namespace CmaBroker.Spdm.Sessions;

/// <summary>SessionID = RspSessionID &lt;&lt; 16 | ReqSessionID (libspdm_generate_session_id; protocols.md §4.13).</summary>
public static class SessionIds
{
    public static uint Combine(ushort requesterHalf, ushort responderHalf) => ((uint)responderHalf << 16) | requesterHalf;

    public static ushort RequesterHalf(uint sessionId) => (ushort)sessionId;

    public static ushort ResponderHalf(uint sessionId) => (ushort)(sessionId >> 16);
}
