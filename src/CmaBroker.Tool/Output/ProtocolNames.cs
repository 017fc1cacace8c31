using CmaBroker.Doe;

namespace CmaBroker.Tool.Output;

/// <summary>Short names of the DOE protocols the project knows (PCIe r6.0 §6.30.1.1, CXL 3.0 §8.1.11).</summary>
public static class ProtocolNames
{
    public static string? NameOf(DoeProtocol protocol) => protocol switch
    {
        _ when protocol == DoeProtocol.Discovery => "discovery",
        _ when protocol == DoeProtocol.Cma => "cma",
        _ when protocol == DoeProtocol.SecuredCma => "secured-cma",
        _ when protocol == DoeProtocol.CdatTableAccess => "cdat",
        _ => null,
    };

    /// <summary><c>0001:01 cma</c>, or just the IDs for a protocol without a name.</summary>
    public static string Describe(DoeProtocol protocol) =>
        NameOf(protocol) is { } name ? $"{protocol}  {name}" : protocol.ToString();
}
