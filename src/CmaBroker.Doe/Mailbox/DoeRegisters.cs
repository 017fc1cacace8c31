namespace CmaBroker.Doe;

/// <summary>
/// DOE Extended Capability register offsets (relative to the capability base) and bits, named as
/// Linux <c>include/uapi/linux/pci_regs.h</c> names them (protocols.md §1.1, §1.2). Shared by the
/// register driver and the emulated device so both read the same way as the spec.
/// </summary>
public static class DoeRegisters
{
    /// <summary>Extended Capability ID of DOE (PCIe r6.0 §7.9.24).</summary>
    public const ushort CapabilityId = 0x002E;

    public const int Header = 0x00;
    public const int Capabilities = 0x04;
    public const int Control = 0x08;
    public const int Status = 0x0C;
    public const int WriteMailbox = 0x10;
    public const int ReadMailbox = 0x14;

    /// <summary>Bytes of config space the capability occupies (<c>PCI_DOE_CAP_SIZEOF</c>).</summary>
    public const int CapabilitySize = 0x18;

    public const uint CapInterruptSupport = 0x0000_0001;
    public const uint CapInterruptMessageNumber = 0x0000_0FFE;

    public const uint ControlAbort = 0x0000_0001;
    public const uint ControlInterruptEnable = 0x0000_0002;
    public const uint ControlGo = 0x8000_0000;

    public const uint StatusBusy = 0x0000_0001;
    public const uint StatusInterruptStatus = 0x0000_0002;
    public const uint StatusError = 0x0000_0004;
    public const uint StatusDataObjectReady = 0x8000_0000;
}
