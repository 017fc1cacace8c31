namespace CmaBroker.Spdm.Socket;

/// <summary>Settings of an <see cref="SpdmSocketClient"/>.</summary>
public sealed record SpdmSocketClientOptions
{
    /// <summary>Bound on the TCP connect.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Bound on each response (ARCHITECTURE.md "Deadlines": the CTExponent-based SPDM timeout,
    /// bounded by configuration); <see cref="SpdmSocketClient.ResponseTimeout"/> can change it later.
    /// </summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on the CONTINUE / SHUTDOWN echo when the client ends the connection.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Send spdm-emu's TEST hello after connecting and require the server's answer (optional per protocols.md §10.14).</summary>
    public bool SendHello { get; init; }

    /// <summary>Largest response payload accepted; a larger announcement is a protocol error.</summary>
    public int MaxResponseBytes { get; init; } = SpdmSocketFrameIO.DefaultMaxPayloadBytes;
}
