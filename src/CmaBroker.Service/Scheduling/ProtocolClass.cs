using CmaBroker.Doe;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Service.Scheduling;

/// <summary>
/// The queues a mailbox's traffic is split into (ARCHITECTURE.md "Scheduling rules"). SPDM covers
/// vendor 1 types 1–4 because CMA, Secured CMA and their Connection-ID variants share one SPDM
/// connection: a GET_VERSION on either resets it.
/// </summary>
public enum ProtocolClass
{
    Discovery,
    Spdm,
    Cdat,
    Other,
}

/// <summary>Maps DOE protocols to classes and classes to their D-Bus names.</summary>
public static class ProtocolClasses
{
    /// <summary>Every class in round-robin order.</summary>
    public static readonly IReadOnlyList<ProtocolClass> All = [ProtocolClass.Discovery, ProtocolClass.Spdm, ProtocolClass.Cdat, ProtocolClass.Other];

    public static ProtocolClass Of(DoeProtocol protocol) => protocol switch
    {
        { VendorId: DoeProtocol.PciSigVendorId, Type: 0 } => ProtocolClass.Discovery,
        { VendorId: DoeProtocol.PciSigVendorId, Type: >= 1 and <= 4 } => ProtocolClass.Spdm,
        { VendorId: DoeProtocol.CxlVendorId, Type: 2 } => ProtocolClass.Cdat,
        _ => ProtocolClass.Other,
    };

    /// <summary>The class name used on D-Bus and in logs: discovery, spdm, cdat, other.</summary>
    public static string Name(this ProtocolClass protocolClass) => protocolClass switch
    {
        ProtocolClass.Discovery => "discovery",
        ProtocolClass.Spdm => "spdm",
        ProtocolClass.Cdat => "cdat",
        _ => "other",
    };

    /// <summary>Parses a D-Bus class name; unknown names are <see cref="CmaErrorKind.Unsupported"/>.</summary>
    public static ProtocolClass Parse(string name) => name switch
    {
        "discovery" => ProtocolClass.Discovery,
        "spdm" => ProtocolClass.Spdm,
        "cdat" => ProtocolClass.Cdat,
        "other" => ProtocolClass.Other,
        _ => throw new CmaException(CmaErrorKind.Unsupported, $"unknown protocol class '{name}' (expected discovery, spdm, cdat or other)"),
    };
}
