namespace CmaBroker.Emulation;

/// <summary>
/// Supplies the protocol responders (SPDM, CDAT, …) an emulated device of a given spec serves
/// besides Discovery. <see cref="EmulatedDeviceFactory"/> asks every registered provider.
/// </summary>
public interface IEmulatedProtocolProvider
{
    IEnumerable<IDoeResponder> CreateResponders(EmulatedDeviceSpec spec);
}
