namespace CmaBroker.Doe;

/// <summary>One PCIe Extended Capability: its ID (bits 15:0 of the header), version (19:16) and config offset.</summary>
public readonly record struct ExtendedCapability(ushort Id, byte Version, int Offset)
{
    public const ushort DeviceSerialNumberId = 0x0003;
    public const ushort DoeId = 0x002E;

    public bool IsDoe => Id == DoeId;

    public override string ToString() => $"0x{Id:x4} v{Version} @0x{Offset:x3}";
}
