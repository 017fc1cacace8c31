using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CmaBroker.Doe.Targets;

/// <summary>
/// An SPDM responder reached over the spdm-emu / QEMU platform socket protocol
/// (protocols.md §7): <c>spdm-socket:HOST:PORT[@ADDRESS]</c>, IPv6 hosts in brackets
/// (<c>spdm-socket:[::1]:2323</c>).
/// </summary>
public sealed record SpdmSocketTargetName : TargetName
{
    public SpdmSocketTargetName(string host, int port, PciAddress? address = null)
    {
        if (!IsValidHost(host))
            throw new ArgumentException($"'{host}' is not a host name or IP address", nameof(host));
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        Host = host;
        Port = port;
        Address = address;
    }

    /// <summary>Host name, IPv4 address or IPv6 address (without brackets).</summary>
    public string Host { get; }

    /// <summary>TCP port (1–65535).</summary>
    public int Port { get; }

    /// <summary>The address pinned with <c>@ADDRESS</c>, or null.</summary>
    public PciAddress? Address { get; }

    public override string Scheme => SpdmSocketScheme;

    public override PciAddress? PinnedAddress => Address;

    internal static SpdmSocketTargetName ParseBody(string text, string body)
    {
        var (rest, address) = SplitPinnedAddress(text, body);
        string host;
        string portText;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']');
            if (close < 0)
                throw Invalid(text, "IPv6 host opened with '[' has no closing ']'");
            host = rest[1..close];
            if (!IPAddress.TryParse(host, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
                throw Invalid(text, $"'[{host}]' is not an IPv6 address");
            if (close + 1 >= rest.Length || rest[close + 1] != ':')
                throw Invalid(text, "expected ':PORT' after the IPv6 host");
            portText = rest[(close + 2)..];
        }
        else
        {
            int colon = rest.LastIndexOf(':');
            if (colon < 0)
                throw Invalid(text, "expected spdm-socket:HOST:PORT (e.g. spdm-socket:127.0.0.1:2323)");
            host = rest[..colon];
            portText = rest[(colon + 1)..];
            if (host.Contains(':'))
                throw Invalid(text, "an IPv6 host must be written in brackets (spdm-socket:[::1]:2323)");
            if (!IsValidHost(host))
                throw Invalid(text, host.Length == 0 ? "missing host" : $"'{host}' is not a host name or IPv4 address");
        }
        if (portText.Length == 0 || !portText.All(char.IsAsciiDigit)
            || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port is < 1 or > ushort.MaxValue)
            throw Invalid(text, $"port '{portText}' must be a decimal number from 1 to 65535");
        return new SpdmSocketTargetName(host, port, address);
    }

    /// <summary>An IP address, or a DNS name made of letters, digits, '-', '.' and '_'.</summary>
    private static bool IsValidHost(string? host)
    {
        if (string.IsNullOrEmpty(host))
            return false;
        if (host.Contains(':'))
            return IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;
        return host.Length <= 253 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_');
    }

    public override string ToString()
    {
        string host = Host.Contains(':') ? $"[{Host}]" : Host;
        string name = $"{SpdmSocketScheme}:{host}:{Port.ToString(CultureInfo.InvariantCulture)}";
        if (Address is { } address)
            name += "@" + address;
        return name;
    }
}
