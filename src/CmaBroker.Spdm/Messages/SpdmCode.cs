namespace CmaBroker.Spdm.Messages;

/// <summary>SPDM request and response codes (protocols.md §4.2). Requests have bit 7 set.</summary>
public enum SpdmCode : byte
{
    Digests = 0x01,
    Certificate = 0x02,
    ChallengeAuth = 0x03,
    Version = 0x04,
    ChunkSendAck = 0x05,
    ChunkResponse = 0x06,
    Measurements = 0x60,
    Capabilities = 0x61,
    Algorithms = 0x63,
    KeyExchangeRsp = 0x64,
    FinishRsp = 0x65,
    HeartbeatAck = 0x68,
    KeyUpdateAck = 0x69,
    EncapsulatedRequest = 0x6A,
    EncapsulatedResponseAck = 0x6B,
    EndSessionAck = 0x6C,
    VendorDefinedResponse = 0x7E,
    Error = 0x7F,

    GetDigests = 0x81,
    GetCertificate = 0x82,
    Challenge = 0x83,
    GetVersion = 0x84,
    ChunkSend = 0x85,
    ChunkGet = 0x86,
    GetMeasurements = 0xE0,
    GetCapabilities = 0xE1,
    NegotiateAlgorithms = 0xE3,
    KeyExchange = 0xE4,
    Finish = 0xE5,
    Heartbeat = 0xE8,
    KeyUpdate = 0xE9,
    GetEncapsulatedRequest = 0xEA,
    DeliverEncapsulatedResponse = 0xEB,
    EndSession = 0xEC,
    VendorDefinedRequest = 0xFE,
    RespondIfReady = 0xFF,
}

/// <summary>Helpers over <see cref="SpdmCode"/>.</summary>
public static class SpdmCodes
{
    /// <summary>Requests have bit 7 of the code set (§4.1).</summary>
    public static bool IsRequest(SpdmCode code) => ((byte)code & 0x80) != 0;

    /// <summary>Response code that answers <paramref name="request"/> (clears bit 7; §4.2).</summary>
    public static SpdmCode ResponseFor(SpdmCode request) => (SpdmCode)((byte)request & 0x7F);

    /// <summary>Upper-case spec name, or the hex value for codes this project does not name.</summary>
    public static string Name(SpdmCode code) => code switch
    {
        SpdmCode.Digests => "DIGESTS",
        SpdmCode.Certificate => "CERTIFICATE",
        SpdmCode.ChallengeAuth => "CHALLENGE_AUTH",
        SpdmCode.Version => "VERSION",
        SpdmCode.Measurements => "MEASUREMENTS",
        SpdmCode.Capabilities => "CAPABILITIES",
        SpdmCode.Algorithms => "ALGORITHMS",
        SpdmCode.Error => "ERROR",
        SpdmCode.GetDigests => "GET_DIGESTS",
        SpdmCode.GetCertificate => "GET_CERTIFICATE",
        SpdmCode.Challenge => "CHALLENGE",
        SpdmCode.GetVersion => "GET_VERSION",
        SpdmCode.GetMeasurements => "GET_MEASUREMENTS",
        SpdmCode.GetCapabilities => "GET_CAPABILITIES",
        SpdmCode.NegotiateAlgorithms => "NEGOTIATE_ALGORITHMS",
        SpdmCode.RespondIfReady => "RESPOND_IF_READY",
        SpdmCode.KeyExchange => "KEY_EXCHANGE",
        SpdmCode.KeyExchangeRsp => "KEY_EXCHANGE_RSP",
        SpdmCode.Finish => "FINISH",
        SpdmCode.FinishRsp => "FINISH_RSP",
        SpdmCode.Heartbeat => "HEARTBEAT",
        SpdmCode.HeartbeatAck => "HEARTBEAT_ACK",
        SpdmCode.KeyUpdate => "KEY_UPDATE",
        SpdmCode.KeyUpdateAck => "KEY_UPDATE_ACK",
        SpdmCode.EndSession => "END_SESSION",
        SpdmCode.EndSessionAck => "END_SESSION_ACK",
        SpdmCode.VendorDefinedRequest => "VENDOR_DEFINED_REQUEST",
        SpdmCode.VendorDefinedResponse => "VENDOR_DEFINED_RESPONSE",
        SpdmCode.GetEncapsulatedRequest => "GET_ENCAPSULATED_REQUEST",
        SpdmCode.EncapsulatedRequest => "ENCAPSULATED_REQUEST",
        SpdmCode.DeliverEncapsulatedResponse => "DELIVER_ENCAPSULATED_RESPONSE",
        SpdmCode.EncapsulatedResponseAck => "ENCAPSULATED_RESPONSE_ACK",
        SpdmCode.ChunkSend => "CHUNK_SEND",
        SpdmCode.ChunkSendAck => "CHUNK_SEND_ACK",
        SpdmCode.ChunkGet => "CHUNK_GET",
        SpdmCode.ChunkResponse => "CHUNK_RESPONSE",
        _ => $"0x{(byte)code:x2}",
    };
}
