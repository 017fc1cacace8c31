namespace CmaBroker.IdeKm.Messages;

/// <summary>KP_ACK Status (protocols.md §6.3).</summary>
public enum KpAckStatus : byte
{
    Success = 0,
    IncorrectLength = 1,
    UnsupportedPortIndex = 2,
    UnsupportedValue = 3,
    UnspecifiedFailure = 4,
}
