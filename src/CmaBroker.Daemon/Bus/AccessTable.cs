using CmaBroker.Doe;
using CmaBroker.Service.Scheduling;
using CmaBroker.Service.Sessions;
using Tmds.DBus.Protocol;

namespace CmaBroker.Daemon.Bus;

/// <summary>Who may call a method (or is meant to receive a signal).</summary>
public enum Access
{
    /// <summary>Every caller the bus lets through.</summary>
    Anyone,

    /// <summary>Root or a member of group cmabroker (<see cref="BrokerNames.AdminGroup"/>).</summary>
    Group,

    /// <summary>uid 0 only.</summary>
    Root,

    /// <summary>No caller: an argument rule refuses the call outright (IDE_KM through SecuredVendorExchange).</summary>
    Nobody,
}

/// <summary>A row's member is a method the broker answers or a signal it emits.</summary>
public enum MemberKind
{
    Method,
    Signal,
}

/// <summary>
/// One requirement of a call: the access it needs and how a refusal names the call. <see cref="What"/> starts the
/// error message ("Rescan needs root or group cmabroker (caller uid 1000)"); for <see cref="Access.Nobody"/> it is
/// the whole message and <see cref="Reason"/> what the log line says.
/// </summary>
public sealed record Requirement(Access Access, string What, string? Reason = null)
{
    public static Requirement Group(string what) => new(Access.Group, what);

    public static Requirement Root(string what) => new(Access.Root, what);

    public static Requirement Refused(string message, string reason) => new(Access.Nobody, message, reason);
}

/// <summary>
/// Reads a call's arguments (a fresh reader over the body, already checked against the declared signature) and
/// returns the requirements that replace the row's own, checked in order; null when the row's access applies.
/// </summary>
public delegate IReadOnlyList<Requirement>? ArgumentRule(ref Reader arguments);

/// <summary>
/// One (interface, member) of the interface XML (or a standard interface the object tree serves itself) and who may
/// use it. <see cref="Access"/> is the least any call needs; <see cref="Rule"/>, when it returns requirements for a
/// call's arguments, states that call's full requirement instead. Signal rows state who the broker means to receive
/// the signal; dbus-daemon delivers signals by the bus policy, so for signals the row is the declared intent that
/// the completeness test holds to the XML.
/// </summary>
public sealed record AccessRow(string Interface, string Member, MemberKind Kind, Access Access, string Why, ArgumentRule? Rule = null)
{
    /// <summary>How a refusal names the call ("Rescan needs root or group cmabroker …"); the member unless set.</summary>
    public string What { get; init; } = Member;

    public override string ToString() => $"{Interface}.{Member}";
}

/// <summary>Why a call was refused: the error message for the caller and the reason for the log.</summary>
public sealed record AccessDenial(string Message, string Reason);

/// <summary>
/// Authorization as one declared table (ARCHITECTURE.md "Access"), enforced by <see cref="ObjectTree"/> before any
/// handler runs: a row per method and signal of dbus-policy/interfaces/org.cmabroker.Broker1.xml plus the standard
/// members the tree serves itself. A member without a row is refused (default deny); the bus policy
/// (dbus-policy/org.cmabroker.Broker1.conf) is the first gate, this table the second.
/// To add a method or signal: add its row to <see cref="Rows"/>; AccessTableTests fails until every member of the
/// XML has exactly one row.
/// </summary>
public sealed class AccessTable
{
    /// <summary>The broker's rows, one per member.</summary>
    public static IReadOnlyList<AccessRow> Rows { get; } =
    [
        // Standard interfaces the object tree answers itself (visibility of owner-only objects still applies).
        new(BrokerNames.IntrospectableInterface, "Introspect", MemberKind.Method, Access.Anyone, "the interface XML is public"),
        new(BrokerNames.PropertiesInterface, "Get", MemberKind.Method, Access.Anyone, "every property is readable"),
        new(BrokerNames.PropertiesInterface, "GetAll", MemberKind.Method, Access.Anyone, "every property is readable"),
        new(BrokerNames.PropertiesInterface, "Set", MemberKind.Method, Access.Anyone, "answers PropertyReadOnly: every property is read-only"),
        new(BrokerNames.PropertiesInterface, "PropertiesChanged", MemberKind.Signal, Access.Anyone, "as readable as the properties (lease objects: their owner only)"),
        new(BrokerNames.ObjectManagerInterface, "GetManagedObjects", MemberKind.Method, Access.Anyone, "the device list is public"),
        new(BrokerNames.ObjectManagerInterface, "InterfacesAdded", MemberKind.Signal, Access.Anyone, "the device list is public (lease objects: their owner only)"),
        new(BrokerNames.ObjectManagerInterface, "InterfacesRemoved", MemberKind.Signal, Access.Anyone, "the device list is public (lease objects: their owner only)"),

        new(BrokerNames.ManagerInterface, "GetDevices", MemberKind.Method, Access.Anyone, "read-only"),
        new(BrokerNames.ManagerInterface, "Rescan", MemberKind.Method, Access.Group, "changes the device list"),
        new(BrokerNames.ManagerInterface, "Reload", MemberKind.Method, Access.Group, "changes the policy in force"),
        new(BrokerNames.ManagerInterface, "DeviceAdded", MemberKind.Signal, Access.Anyone, "the device list is public"),
        new(BrokerNames.ManagerInterface, "DeviceRemoved", MemberKind.Signal, Access.Anyone, "the device list is public"),
        new(BrokerNames.ManagerInterface, "AuthenticationCompleted", MemberKind.Signal, Access.Anyone, "verdicts are public: every reader may see a device's AuthState"),

        new(BrokerNames.DeviceInterface, "Authenticate", MemberKind.Method, Access.Group, "talks SPDM to the device"),
        new(BrokerNames.DeviceInterface, "GetCertificateChain", MemberKind.Method, Access.Anyone, "read-only, from the last authentication"),
        new(BrokerNames.DeviceInterface, "GetMeasurements", MemberKind.Method, Access.Anyone,
            "cached blocks are read-only; 'session' or 'fresh' talk to the device (root or group)", MeasurementsRule),
        new(BrokerNames.DeviceInterface, "GetEvidence", MemberKind.Method, Access.Group, "talks SPDM to the device"),
        new(BrokerNames.DeviceInterface, "GetHistory", MemberKind.Method, Access.Anyone, "read-only"),
        new(BrokerNames.DeviceInterface, "Enroll", MemberKind.Method, Access.Group, "writes a reference file"),
        new(BrokerNames.DeviceInterface, "Exchange", MemberKind.Method, Access.Group,
            "raw exchange: SPDM-class protocols uid 0, others root or group", ExchangeRule),
        new(BrokerNames.DeviceInterface, "ReadCdat", MemberKind.Method, Access.Anyone, "tables are not secret; queued under the caller"),
        new(BrokerNames.DeviceInterface, "IdeQuery", MemberKind.Method, Access.Root, "IDE_KM runs in the device's SPDM session"),
        new(BrokerNames.DeviceInterface, "IdeSetupStream", MemberKind.Method, Access.Root, "keys a link"),
        new(BrokerNames.DeviceInterface, "IdeRefreshKeys", MemberKind.Method, Access.Root, "keys a link"),
        new(BrokerNames.DeviceInterface, "IdeStopStream", MemberKind.Method, Access.Root, "stops a keyed link"),
        new(BrokerNames.DeviceInterface, "EstablishSession", MemberKind.Method, Access.Group, "talks SPDM to the device"),
        new(BrokerNames.DeviceInterface, "EndSession", MemberKind.Method, Access.Group, "talks SPDM to the device"),
        new(BrokerNames.DeviceInterface, "SecuredVendorExchange", MemberKind.Method, Access.Root,
            "raw traffic inside the session; IDE_KM is the broker's own and refused to everyone", SecuredVendorRule),

        new(BrokerNames.MailboxInterface, "Exchange", MemberKind.Method, Access.Group,
            "raw exchange: SPDM-class protocols uid 0, others root or group", ExchangeRule),
        new(BrokerNames.MailboxInterface, "AcquireLease", MemberKind.Method, Access.Root, "holds a mailbox's SPDM queue"),

        new(BrokerNames.LeaseInterface, "Exchange", MemberKind.Method, Access.Group,
            "raw exchange: SPDM-class protocols uid 0, others root or group (the object is its owner's only)", ExchangeRule),
        new(BrokerNames.LeaseInterface, "Renew", MemberKind.Method, Access.Root, "the owner's lease") { What = "Lease.Renew" },
        new(BrokerNames.LeaseInterface, "Release", MemberKind.Method, Access.Root, "the owner's lease") { What = "Lease.Release" },
    ];

    private readonly Dictionary<(string Interface, string Member, MemberKind Kind), AccessRow> _rows = [];
    private readonly AccessPolicy _groups;

    /// <summary>The broker's table (<see cref="Rows"/>).</summary>
    public AccessTable(AccessPolicy groups)
        : this(Rows, groups)
    {
    }

    /// <summary>A table of <paramref name="rows"/> (tests build one without a row to see default deny).</summary>
    public AccessTable(IEnumerable<AccessRow> rows, AccessPolicy groups)
    {
        _groups = groups;
        foreach (AccessRow row in rows)
        {
            if (!_rows.TryAdd((row.Interface, row.Member, row.Kind), row))
                throw new ArgumentException($"two rows for {row.Kind} {row}", nameof(rows));
        }
    }

    public AccessRow? Find(string interfaceName, string member, MemberKind kind) =>
        _rows.GetValueOrDefault((interfaceName, member, kind));

    /// <summary>True when the call needs no caller credentials (a row for anyone without an argument rule).</summary>
    public bool IsOpen(string interfaceName, string member) =>
        Find(interfaceName, member, MemberKind.Method) is { Access: Access.Anyone, Rule: null };

    /// <summary>
    /// Null when <paramref name="caller"/> may make the call <paramref name="request"/> (arguments already checked
    /// against the declared signature), otherwise why not. No row: refused (default deny).
    /// </summary>
    public AccessDenial? Check(string interfaceName, string member, CallerCredentials caller, Message request)
    {
        AccessRow? row = Find(interfaceName, member, MemberKind.Method);
        if (row is null)
            return new AccessDenial($"{interfaceName}.{member} has no row in the broker's access table: denied by default (caller uid {caller.Uid})",
                "no row in the access table (default deny)");
        IReadOnlyList<Requirement>? requirements = null;
        if (row.Rule is not null)
        {
            Reader arguments = request.GetBodyReader();
            requirements = row.Rule(ref arguments);
        }
        requirements ??= [new Requirement(row.Access, row.What)];
        foreach (Requirement requirement in requirements)
        {
            AccessDenial? denial = Check(requirement, caller);
            if (denial is not null)
                return denial;
        }
        return null;
    }

    private AccessDenial? Check(Requirement requirement, CallerCredentials caller) => requirement.Access switch
    {
        Access.Anyone => null,
        Access.Group when _groups.IsAdmin(caller) => null,
        Access.Group => new($"{requirement.What} needs root or group {_groups.AdminGroup} (caller uid {caller.Uid})",
            $"needs root or group {_groups.AdminGroup}"),
        Access.Root when caller.IsRoot => null,
        Access.Root => new($"{requirement.What} needs uid 0 (caller uid {caller.Uid})", "needs uid 0"),
        _ => new($"{requirement.What} (caller uid {caller.Uid})", requirement.Reason ?? "refused"),
    };

    /// <summary>GetMeasurements: {"session": true} or {"fresh": true} talk to the device; a value of the wrong type is the handler's InvalidArgument.</summary>
    private static IReadOnlyList<Requirement>? MeasurementsRule(ref Reader arguments)
    {
        Dictionary<string, VariantValue> options = arguments.ReadDictionaryOfStringToVariantValue();
        if (IsTrue(options, "session"))
            return [Requirement.Group("GetMeasurements with 'session'")];
        if (IsTrue(options, "fresh"))
            return [Requirement.Group("GetMeasurements with 'fresh'")];
        return null;
    }

    private static bool IsTrue(Dictionary<string, VariantValue> options, string key) =>
        options.TryGetValue(key, out VariantValue value) && value.Type == VariantValueType.Bool && value.GetBool();

    /// <summary>Raw Exchange (Device, Mailbox, Lease): by the protocol's class.</summary>
    private static IReadOnlyList<Requirement> ExchangeRule(ref Reader arguments)
    {
        var protocol = new DoeProtocol(arguments.ReadUInt16(), arguments.ReadByte());
        return ProtocolClasses.Of(protocol) == ProtocolClass.Spdm
            ? [Requirement.Root("a raw SPDM-class exchange")]
            : [Requirement.Group("Exchange")];
    }

    /// <summary>SecuredVendorExchange: uid 0; the PCI-SIG IDE_KM protocol is the broker's own and refused even then.</summary>
    private static IReadOnlyList<Requirement>? SecuredVendorRule(ref Reader arguments)
    {
        ushort standardId = arguments.ReadUInt16();
        byte[] vendorId = arguments.ReadArrayOfByte();
        byte[] payload = arguments.ReadArrayOfByte();
        if (!SessionManager.IsIdeKm(standardId, vendorId, payload))
            return null;
        return
        [
            Requirement.Root("SecuredVendorExchange"),
            Requirement.Refused(
                "SecuredVendorExchange refuses the PCI-SIG IDE_KM protocol (standard 3, vendor 0x0001, protocol 0): the broker owns IDE_KM",
                "IDE_KM is the broker's own"),
        ];
    }
}
