using CmaBroker.Doe;

namespace CmaBroker.Emulation.Targets;

/// <summary>
/// One DOE mailbox of an opened target: its capability offset (0 for the socket pseudo-mailbox),
/// the DOE capability version, the exchange that reaches it and the protocols DOE Discovery listed.
/// </summary>
public sealed record OpenedMailbox(int Offset, byte CapabilityVersion, IDoeExchange Exchange, IReadOnlyList<DoeProtocol> Protocols)
{
    public bool Supports(DoeProtocol protocol) => Protocols.Contains(protocol);

    /// <summary>The D-Bus object path element for this mailbox (<c>doe_0160</c>).</summary>
    public string ObjectPathElement => $"doe_{Offset:x4}";
}
