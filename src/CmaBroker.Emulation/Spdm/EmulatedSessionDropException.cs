namespace CmaBroker.Emulation.Spdm;

/// <summary>
/// Thrown by a vendor-defined handler to make the emulated responder end the session: the request
/// is answered with a plain ERROR InvalidSession and the session's keys are gone, as when a device
/// resets mid-way.
/// </summary>
public sealed class EmulatedSessionDropException(string message) : Exception(message);
