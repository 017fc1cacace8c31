namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>
/// What the one guest boot runs, in order, and the names of its steps: the standalone tool against
/// the real sysfs (discover, authenticate with the good and a wrong anchor, a secure session), then the whole product
/// (dbus-daemon, cma-brokerd's coldplug scan, cmactl/busctl).
/// </summary>
public static class GuestScenario
{
    public const string Discover = "discover";
    public const string Authenticate = "authenticate";
    public const string AuthenticateWrongAnchor = "authenticate-wrong-anchor";
    public const string Session = "session";
    public const string Bus = "bus";
    public const string BrokerShow = "broker-show";
    public const string BrokerBusctl = "broker-busctl";
    public const string BrokerLog = "brokerd-log";

    public const string CmaTool = "/usr/bin/cmatool";
    public const string CmaCtl = "/usr/bin/cmactl";
    public const string CmaBrokerd = "/usr/sbin/cma-brokerd";

    /// <summary>
    /// Libraries loaded at run time, which ldd cannot list: .NET's cryptography shim (statically linked
    /// into NativeAOT programs) dlopens OpenSSL, e.g. for the random seed BouncyCastle's SecureRandom takes.
    /// </summary>
    public static readonly IReadOnlyList<string> RuntimeLibraries = ["/usr/lib/x86_64-linux-gnu/libssl.so.3"];

    /// <summary>AuthState values that end an authentication (the D-Bus interface's list minus unknown/authenticating).</summary>
    public const string SettledStates = "authenticated|untrusted|failed|unsupported|kernel-owned";

    public static GuestPayload Payload()
    {
        var bus = GuestFiles.BusAddress;
        return new GuestPayload()
            .Step(Discover, $"{CmaTool} --json discover pci:$NVME_ADDR")
            .Step(Authenticate, $"{CmaTool} --json authenticate pci:$NVME_ADDR --trust {GuestFiles.GoodTrustDirectory}")
            .Step(AuthenticateWrongAnchor, $"{CmaTool} --json authenticate pci:$NVME_ADDR --trust {GuestFiles.WrongTrustDirectory}")
            // A secure session through the real mailbox: QEMU forwards DOE type 2 (Secured CMA) to the socket as well.
            .Step(Session, $"{CmaTool} --json session pci:$NVME_ADDR --trust {GuestFiles.GoodTrustDirectory} --heartbeat --key-update --measure")
            .Step(Bus, $"dbus-daemon --config-file={GuestFiles.BusConfig} --fork --print-address=1")
            .Line($"{CmaBrokerd} --bus {bus} --trust-dir {GuestFiles.GoodTrustDirectory} --state-dir /var/lib/cma-broker >/tmp/brokerd.log 2>&1 &")
            .Line("BROKERD_PID=$!")
            // Coldplug scan, then authentication in the background: wait (at most 60 s) until it settled.
            .Line($"for i in $(seq 240); do {CmaCtl} --address {bus} --json show $NVME_ADDR >/tmp/show.json 2>/dev/null && " +
                  $"grep -Eq '\"authState\": *\"({SettledStates})\"' /tmp/show.json && break; " +
                  "kill -0 $BROKERD_PID 2>/dev/null || break; sleep 0.25; done")
            .Step(BrokerShow, $"{CmaCtl} --address {bus} --json show $NVME_ADDR")
            .Step(BrokerBusctl, $"busctl --address={bus} --no-pager tree org.cmabroker.Broker1")
            .Line("kill $BROKERD_PID 2>/dev/null; wait $BROKERD_PID")
            .Step(BrokerLog, "cat /tmp/brokerd.log");
    }
}
