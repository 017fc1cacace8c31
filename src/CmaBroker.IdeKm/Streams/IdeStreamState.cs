using CmaBroker.IdeKm.Messages;

namespace CmaBroker.IdeKm.Streams;

/// <summary>Where a Selective IDE stream stands, as the broker reports it.</summary>
public enum IdeStreamState
{
    /// <summary>Not set up (Stream Status reads Insecure, stream disabled).</summary>
    Insecure,
    /// <summary>Both ports report Secure.</summary>
    Secure,
    /// <summary>Set-up or refresh failed; the host port was rolled back.</summary>
    Failed,
}

/// <summary>A stream's state after an operation, read back from both ports' Stream Status registers.</summary>
public sealed record IdeStreamStatus(byte StreamId, byte PortIndex, IdeStreamState State, IdeKeySet? ActiveKeySet, uint DeviceStatus, uint HostStatus);
