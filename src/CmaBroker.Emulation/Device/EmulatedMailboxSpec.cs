using CmaBroker.Doe;

namespace CmaBroker.Emulation;

/// <summary>
/// One DOE capability of an emulated function: the protocols it serves besides Discovery, its
/// capability version (2 makes requesters send Discovery Version 2) and the time from Go to Data
/// Object Ready.
/// </summary>
public sealed record EmulatedMailboxSpec(IReadOnlyList<IDoeResponder> Responders, byte CapabilityVersion = 2, TimeSpan ResponseLatency = default)
{
    /// <summary>Discovery plus the responders' protocols, in the order Discovery lists them.</summary>
    public IReadOnlyList<DoeProtocol> Protocols => [DoeProtocol.Discovery, .. Responders.Select(r => r.Protocol)];
}
