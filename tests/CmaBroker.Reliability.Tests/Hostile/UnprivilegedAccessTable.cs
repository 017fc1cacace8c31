using CmaBroker.Daemon.Tests.Infrastructure;
using DaemonAccess = CmaBroker.Daemon.Bus.Access;
using DaemonAccessTable = CmaBroker.Daemon.Bus.AccessTable;
using DaemonMemberKind = CmaBroker.Daemon.Bus.MemberKind;

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

/// <summary>
/// One method of the interface XML and how to call it with gdbus. What an unprivileged user gets is derived, not
/// restated: the bus policy file first (dbus-policy/org.cmabroker.Broker1.conf, default context), then the daemon's
/// own AccessTable row. The gdbus arguments are the plain call, which no argument rule of the table raises (the
/// 'fresh' / 'session' / SPDM-class cases are AccessTests' and SessionTests').
/// </summary>
public sealed record AccessRow(string Interface, string Method, AccessObject Object, params string[] GdbusArguments)
{
    public string FullInterface => "org.cmabroker.Broker1." + Interface;

    public UnprivilegedOutcome Unprivileged
    {
        get
        {
            if (!BusPolicyFile.AllowsEveryone(FullInterface, Method))
                return UnprivilegedOutcome.DeniedByBusPolicy;
            DaemonAccess access = DaemonAccessTable.Rows
                .Single(r => r.Interface == FullInterface && r.Member == Method && r.Kind == DaemonMemberKind.Method).Access;
            return access == DaemonAccess.Anyone ? UnprivilegedOutcome.Allowed : UnprivilegedOutcome.DeniedByBroker;
        }
    }

    public override string ToString() => $"{Interface}.{Method}";
}

/// <summary>
/// The unprivileged-user call table: one row per method of dbus-policy/interfaces/org.cmabroker.Broker1.xml.
/// <see cref="UnprivilegedAccessTests.TheTableHasExactlyOneRowPerMethodOfTheInterfaceXml"/> fails when the XML has
/// a method without a row or the table a row the XML lacks, so a new method cannot ship untried. The decision itself
/// lives in the daemon's AccessTable and the bus policy (<see cref="AccessRow.Unprivileged"/>).
/// To add a method: one line below (interface short name, method, object, gdbus arguments).
/// </summary>
public static class UnprivilegedAccessTable
{
    public static readonly AccessRow[] Rows =
    [
        new("Manager", "GetDevices", AccessObject.Manager),
        new("Manager", "Rescan", AccessObject.Manager),
        new("Manager", "Reload", AccessObject.Manager),
        new("Device", "Authenticate", AccessObject.Device, "{}"),
        new("Device", "GetCertificateChain", AccessObject.Device, "0"),
        new("Device", "GetMeasurements", AccessObject.Device, "{}"),
        new("Device", "GetEvidence", AccessObject.Device, Nonce32),
        new("Device", "GetHistory", AccessObject.Device, "0"),
        new("Device", "Enroll", AccessObject.Device, "{}"),
        new("Device", "Exchange", AccessObject.Device, "1", "0", "[byte 0,0,0,0]", "{}"),
        new("Device", "ReadCdat", AccessObject.CxlDevice),
        new("Device", "IdeQuery", AccessObject.Device, "{}"),
        new("Device", "IdeSetupStream", AccessObject.Device, "{}"),
        new("Device", "IdeRefreshKeys", AccessObject.Device, "{}"),
        new("Device", "IdeStopStream", AccessObject.Device, "{}"),
        new("Device", "EstablishSession", AccessObject.Device, "{}"),
        new("Device", "EndSession", AccessObject.Device, "{}"),
        new("Device", "SecuredVendorExchange", AccessObject.Device, "3", "[byte 1,0]", "[byte 1]"),
        new("Mailbox", "Exchange", AccessObject.Mailbox, "1", "0", "[byte 0,0,0,0]", "{}"),
        new("Mailbox", "AcquireLease", AccessObject.Mailbox, "spdm", "1000"),
        new("Lease", "Exchange", AccessObject.Lease, "1", "0", "[byte 0,0,0,0]"),
        new("Lease", "Renew", AccessObject.Lease, "1000"),
        new("Lease", "Release", AccessObject.Lease),
    ];

    /// <summary>A 32-byte nonce as gdbus reads it.</summary>
    private const string Nonce32 =
        "[byte 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]";
}
