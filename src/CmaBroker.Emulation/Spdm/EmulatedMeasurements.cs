using System.Buffers.Binary;
using System.Text;

namespace CmaBroker.Emulation.Spdm;

/// <summary>The measurement sets of the emulator's profiles.</summary>
public static class EmulatedMeasurements
{
    /// <summary>The published reference state: ROM, firmware, hardware and firmware configuration, device mode.</summary>
    public static IReadOnlyList<EmulatedMeasurement> Good { get; } =
    [
        new(1, EmulatedMeasurement.ImmutableRom, Utf8("cmabroker emulated device boot ROM v1.0")),
        new(2, EmulatedMeasurement.MutableFirmware, Utf8("cmabroker emulated device firmware 2.4.1")),
        new(3, EmulatedMeasurement.HardwareConfiguration, Utf8("cmabroker emulated device hardware config A")),
        new(4, EmulatedMeasurement.FirmwareConfiguration, Utf8("cmabroker emulated device firmware config: secure boot on")),
        new(EmulatedMeasurement.DeviceModeIndex, EmulatedMeasurement.DeviceMode | EmulatedMeasurement.RawBit, DeviceMode(operational: true)),
    ];

    /// <summary>Same device with unexpected firmware and configuration (indices 2 and 4 differ from <see cref="Good"/>).</summary>
    public static IReadOnlyList<EmulatedMeasurement> Mismatch { get; } =
    [
        Good[0],
        new(2, EmulatedMeasurement.MutableFirmware, Utf8("cmabroker emulated device firmware 2.4.1-tampered")),
        Good[2],
        new(4, EmulatedMeasurement.FirmwareConfiguration, Utf8("cmabroker emulated device firmware config: secure boot off")),
        Good[4],
    ];

    /// <summary>
    /// Device-mode value (type 5): OperationalModeCapabilities, OperationalModeState,
    /// DeviceModeCapabilities, DeviceModeState, each u32 LE (protocols.md §4.11).
    /// </summary>
    private static byte[] DeviceMode(bool operational)
    {
        var value = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(value, 0b111);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(4), operational ? 0b010u : 0b001u);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(8), 0b11);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(12), 0);
        return value;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
