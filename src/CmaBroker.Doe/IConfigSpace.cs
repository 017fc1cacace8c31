namespace CmaBroker.Doe;

/// <summary>
/// 32-bit access to one PCI function's configuration space. Offsets are byte offsets and must be
/// dword aligned: DOE mailbox registers only accept aligned 32-bit accesses (PCIe r6.0 §6.30;
/// QEMU ignores anything else).
/// </summary>
public interface IConfigSpace : IDisposable
{
    /// <summary>Size of the accessible configuration space in bytes (256 or 4096).</summary>
    int Size { get; }

    /// <summary>Reads the dword at <paramref name="offset"/>.</summary>
    uint ReadDword(int offset);

    /// <summary>Writes the dword at <paramref name="offset"/>.</summary>
    void WriteDword(int offset, uint value);
}
