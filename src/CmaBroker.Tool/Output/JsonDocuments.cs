using CmaBroker.Doe;

namespace CmaBroker.Tool.Output;

// The JSON documents cmatool prints (README "JSON output"): camelCase keys, numbers as JSON
// numbers, byte strings as lower-case hex. One record per document or nested object.

public sealed record ErrorDocument(ErrorJson Error);

public sealed record ErrorJson(string Kind, string Message, int ExitCode);

public sealed record IdentityJson(int VendorId, int DeviceId, int SubsystemVendorId, int SubsystemId, int RevisionId, string? SerialNumber)
{
    public static IdentityJson From(PciDeviceIdentity identity) => new(
        identity.VendorId, identity.DeviceId, identity.SubsystemVendorId, identity.SubsystemId, identity.RevisionId,
        identity.SerialNumber is { } dsn ? dsn.ToString("x16") : null);
}

public sealed record ProtocolJson(int VendorId, int Type, string? Name)
{
    public static ProtocolJson From(DoeProtocol protocol) => new(protocol.VendorId, protocol.Type, ProtocolNames.NameOf(protocol));
}

public sealed record MailboxJson(int Offset, int CapabilityVersion, IReadOnlyList<ProtocolJson> Protocols);

public sealed record DiscoverDocument(string Target, string Address, IdentityJson Identity, IReadOnlyList<MailboxJson> Mailboxes);

public sealed record ExchangeDocument(string Target, string Address, int Mailbox, ProtocolJson Protocol, string Request, string Response);

public sealed record UdevProbeDocument(string Device, bool Doe, IReadOnlyList<int> MailboxOffsets);

public sealed record ServeDocument(string Target, string Address, string Host, int Port);

public sealed record EmulatorCaDocument(string Path);
