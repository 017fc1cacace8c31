using CmaBroker.Doe;

namespace CmaBroker.Emulation.Targets;

/// <summary>
/// One protocol of an emulated mailbox as an <see cref="IDoeResponder"/>, so the mailbox's whole
/// behaviour (Discovery table included) can be served over the spdm-socket protocol.
/// </summary>
public sealed class MailboxResponder(EmulatedDoeMailbox mailbox, DoeProtocol protocol) : IDoeResponder
{
    public DoeProtocol Protocol { get; } = protocol;

    public byte[]? Respond(ReadOnlySpan<byte> requestPayload) => mailbox.Process(Protocol, requestPayload);

    /// <summary>Every protocol the mailbox lists (Discovery first), each as a responder.</summary>
    public static IReadOnlyList<IDoeResponder> ForMailbox(EmulatedDoeMailbox mailbox) =>
        mailbox.Protocols.Select(p => (IDoeResponder)new MailboxResponder(mailbox, p)).ToList();
}
