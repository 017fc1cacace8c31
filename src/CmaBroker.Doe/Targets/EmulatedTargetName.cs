using System.Globalization;

namespace CmaBroker.Doe.Targets;

/// <summary>
/// An emulated DOE device built from a named profile: <c>emulated:PROFILE[#N][@ADDRESS]</c>.
/// <see cref="Instance"/> tells several devices of one profile apart (default 0); each instance has
/// its own serial number. Without <see cref="Address"/> the device gets an address in domain ca00.
/// </summary>
public sealed record EmulatedTargetName : TargetName
{
    /// <summary>Largest instance number; keeps allocated addresses and serials inside their fields.</summary>
    public const int MaxInstance = 0xFFFF;

    public EmulatedTargetName(string profile, int instance = 0, PciAddress? address = null)
    {
        if (!IsValidProfile(profile))
            throw new ArgumentException($"'{profile}' is not a profile name ([a-z0-9_-], starting with a letter or digit)", nameof(profile));
        ArgumentOutOfRangeException.ThrowIfNegative(instance);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(instance, MaxInstance);
        Profile = profile;
        Instance = instance;
        Address = address;
    }

    /// <summary>Profile name (<c>good</c>, <c>bad-cert</c>, …); the emulator decides which exist.</summary>
    public string Profile { get; }

    /// <summary>Instance number N (default 0).</summary>
    public int Instance { get; }

    /// <summary>The address pinned with <c>@ADDRESS</c>, or null.</summary>
    public PciAddress? Address { get; }

    public override string Scheme => EmulatedScheme;

    public override PciAddress? PinnedAddress => Address;

    /// <summary>Profile names: lower-case letters, digits, '-' and '_', not starting with a separator.</summary>
    public static bool IsValidProfile(string? profile) =>
        !string.IsNullOrEmpty(profile)
        && char.IsAsciiLetterOrDigit(profile[0])
        && profile.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');

    internal static EmulatedTargetName ParseBody(string text, string body)
    {
        var (rest, address) = SplitPinnedAddress(text, body);
        int instance = 0;
        int hash = rest.IndexOf('#');
        string profile = hash < 0 ? rest : rest[..hash];
        if (hash >= 0)
        {
            string number = rest[(hash + 1)..];
            if (number.Length == 0 || !number.All(char.IsAsciiDigit)
                || !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out instance)
                || instance > MaxInstance)
                throw Invalid(text, $"instance '#{number}' must be a decimal number from 0 to {MaxInstance}");
        }
        if (!IsValidProfile(profile))
            throw Invalid(text, profile.Length == 0
                ? "missing profile name (expected emulated:PROFILE[#N][@ADDRESS], e.g. emulated:good)"
                : $"'{profile}' is not a profile name (lower-case letters, digits, '-', '_')");
        return new EmulatedTargetName(profile, instance, address);
    }

    public override string ToString()
    {
        string name = $"{EmulatedScheme}:{Profile}";
        if (Instance != 0)
            name += "#" + Instance.ToString(CultureInfo.InvariantCulture);
        if (Address is { } address)
            name += "@" + address;
        return name;
    }
}
