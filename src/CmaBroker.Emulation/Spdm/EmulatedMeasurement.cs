using CmaBroker.Spdm.Messages;

namespace CmaBroker.Emulation.Spdm;

/// <summary>
/// One measurement the emulated device reports (protocols.md §4.11): an index, the DMTF value type
/// (bits 6:0; bit 7 = raw bit stream) and the measured content. A digest block carries the hash of
/// <see cref="Content"/> with the negotiated measurement hash; a raw block (or a raw-bit-stream
/// request) carries the content itself.
/// </summary>
public sealed record EmulatedMeasurement(byte Index, byte ValueType, byte[] Content)
{
    /// <summary>DMTFSpecMeasurementValueType bit 7: the value is a raw bit stream.</summary>
    public const byte RawBit = 0x80;

    public const byte ImmutableRom = 0;
    public const byte MutableFirmware = 1;
    public const byte HardwareConfiguration = 2;
    public const byte FirmwareConfiguration = 3;
    public const byte DeviceMode = 5;

    /// <summary>Measurement index of the device-mode block (DSP0274: 0xFE).</summary>
    public const byte DeviceModeIndex = 0xFE;

    public bool IsRaw => (ValueType & RawBit) != 0;

    /// <summary>
    /// The block as sent for <paramref name="hash"/>: a digest unless the block is raw, the
    /// negotiated measurement hash is raw-bit-stream only, or the requester asked for raw values.
    /// </summary>
    public MeasurementBlock ToBlock(MeasurementHashAlgorithms hash, bool rawRequested)
    {
        if (IsRaw || rawRequested || hash == MeasurementHashAlgorithms.RawBitStream)
            return new MeasurementBlock(Index, (byte)MeasurementSpecification.Dmtf, (byte)(ValueType | RawBit), Content);
        return new MeasurementBlock(Index, (byte)MeasurementSpecification.Dmtf, ValueType, CmaBroker.Spdm.Crypto.SpdmHash.Compute(hash, Content));
    }
}
