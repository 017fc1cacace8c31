namespace CmaBroker.Reliability.Tests.Hostile;

/// <summary>What an unprivileged caller (uid cmatest, no cmabroker group) gets from one method.</summary>
public enum UnprivilegedOutcome
{
    /// <summary>The call goes through (its answer may still be a typed error about the device, never AccessDenied).</summary>
    Allowed,

    /// <summary>dbus-daemon refuses it with the project's bus policy: org.freedesktop.DBus.Error.AccessDenied.</summary>
    DeniedByBusPolicy,

    /// <summary>The bus lets it through and the broker refuses it: org.cmabroker.Broker1.Error.AccessDenied.</summary>
    DeniedByBroker,
}

/// <summary>Which object a row calls: the manager, a CMA device, its first mailbox, the CXL device, or a live lease.</summary>
public enum AccessObject
{
    Manager,
    Device,
    Mailbox,
    CxlDevice,
    Lease,
}

/// <summary>One method of the interface XML, how to call it with gdbus, and what an unprivileged user gets.</summary>
public sealed record AccessRow(string Interface, string Method, AccessObject Object, UnprivilegedOutcome Unprivileged, params string[] GdbusArguments)
{
    public string FullInterface => "org.cmabroker.Broker1." + Interface;

    public override string ToString() => $"{Interface}.{Method}";
}

/// <summary>
/// The unprivileged-user access table: one row per method of dbus-policy/interfaces/org.cmabroker.Broker1.xml.
/// <see cref="UnprivilegedAccessTests.TheTableHasExactlyOneRowPerMethodOfTheInterfaceXml"/> fails when the XML has
/// a method without a row or the table a row the XML lacks, so a new method cannot ship without a decision here.
/// To add a method: one line below (interface short name, method, object, outcome, gdbus arguments).
/// </summary>
public static class UnprivilegedAccessTable
{
    public static readonly AccessRow[] Rows =
    [
        new("Manager", "GetDevices", AccessObject.Manager, UnprivilegedOutcome.Allowed),
        new("Manager", "Rescan", AccessObject.Manager, UnprivilegedOutcome.DeniedByBusPolicy),
        new("Manager", "Reload", AccessObject.Manager, UnprivilegedOutcome.DeniedByBusPolicy),
        new("Device", "Authenticate", AccessObject.Device, UnprivilegedOutcome.DeniedByBusPolicy, "{}"),
        new("Device", "GetCertificateChain", AccessObject.Device, UnprivilegedOutcome.Allowed, "0"),
        new("Device", "GetMeasurements", AccessObject.Device, UnprivilegedOutcome.Allowed, "{}"),
        new("Device", "GetEvidence", AccessObject.Device, UnprivilegedOutcome.DeniedByBusPolicy, Nonce32),
        new("Device", "GetHistory", AccessObject.Device, UnprivilegedOutcome.Allowed, "0"),
        new("Device", "Enroll", AccessObject.Device, UnprivilegedOutcome.DeniedByBusPolicy, "{}"),
        new("Device", "Exchange", AccessObject.Device, UnprivilegedOutcome.DeniedByBusPolicy, "1", "0", "[byte 0,0,0,0]", "{}"),
        new("Device", "ReadCdat", AccessObject.CxlDevice, UnprivilegedOutcome.Allowed),
        new("Device", "IdeQuery", AccessObject.Device, UnprivilegedOutcome.DeniedByBusPolicy, "{}"),
        new("Device", "IdeSetupStream", AccessObject.Device, UnprivilegedOutcome.DeniedByBusPolicy, "{}"),
        new("Device", "IdeRefreshKeys", AccessObject.Device, UnprivilegedOutcome.DeniedByBusPolicy, "{}"),
        new("Device", "IdeStopStream", AccessObject.Device, UnprivilegedOutcome.DeniedByBusPolicy, "{}"),
        new("Device", "EstablishSession", AccessObject.Device, UnprivilegedOutcome.DeniedByBusPolicy, "{}"),
        new("Device", "EndSession", AccessObject.Device, UnprivilegedOutcome.DeniedByBusPolicy, "{}"),
        new("Device", "SecuredVendorExchange", AccessObject.Device, UnprivilegedOutcome.DeniedByBusPolicy, "3", "[byte 1,0]", "[byte 1]"),
        new("Mailbox", "Exchange", AccessObject.Mailbox, UnprivilegedOutcome.DeniedByBusPolicy, "1", "0", "[byte 0,0,0,0]", "{}"),
        new("Mailbox", "AcquireLease", AccessObject.Mailbox, UnprivilegedOutcome.DeniedByBusPolicy, "spdm", "1000"),
        new("Lease", "Exchange", AccessObject.Lease, UnprivilegedOutcome.DeniedByBusPolicy, "1", "0", "[byte 0,0,0,0]"),
        new("Lease", "Renew", AccessObject.Lease, UnprivilegedOutcome.DeniedByBusPolicy, "1000"),
        new("Lease", "Release", AccessObject.Lease, UnprivilegedOutcome.DeniedByBusPolicy),
    ];

    /// <summary>A 32-byte nonce as gdbus reads it.</summary>
    private const string Nonce32 =
        "[byte 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]";
}
