namespace CmaBroker.Spdm.Socket;

/// <summary>
/// TransportType field of a platform socket frame (protocols.md §7.1). Only PCI_DOE is spoken by
/// this project; 0x03 is TCP in spdm-emu but SCSI in QEMU, so it is deliberately not named here.
/// </summary>
public enum SpdmSocketTransport : uint
{
    None = 0x00,
    Mctp = 0x01,
    /// <summary>Each payload is a complete DOE object including its 8-byte header (protocols.md §7.2).</summary>
    PciDoe = 0x02,
}
