namespace CmaBroker.Spdm.Socket;

/// <summary>
/// Command field of an spdm-emu / QEMU platform socket frame (protocols.md §7.1; spdm-emu
/// <c>spdm_emu_common/command.h</c>).
/// </summary>
public enum SpdmSocketCommand : uint
{
    /// <summary>Carries one transport message (a full DOE object in PCI_DOE mode).</summary>
    Normal = 0x0001,
    /// <summary>End this client, keep the responder's SPDM context; the responder echoes it and accepts the next client.</summary>
    Continue = 0xFFFD,
    /// <summary>The responder echoes it, closes, and stops serving.</summary>
    Shutdown = 0xFFFE,
    /// <summary>Reply to an unrecognised command (spelled <c>UNKOWN</c> in spdm-emu).</summary>
    Unknown = 0xFFFF,
    /// <summary>Liveness hello: "Client Hello!\0" answered by "Server Hello!\0".</summary>
    Test = 0xDEAD,
}
