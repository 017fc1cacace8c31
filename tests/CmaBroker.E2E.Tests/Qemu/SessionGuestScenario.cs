namespace CmaBroker.E2E.Tests.Qemu;

/// <summary>
/// The broker's secure session through the real kernel (issue 14), appended after <see cref="GuestScenario"/>'s
/// steps: a cma-brokerd of its own (the scenario's first one has stopped) authenticates the NVMe through the guest
/// kernel's sysfs config file, then cmactl asks it for a session (KEY_EXCHANGE over DOE type 1, FINISH and
/// everything after it as Secured CMA objects, type 2, which QEMU forwards to the spdm socket), reads the
/// measurements inside it and ends it. The measurements read without a session come first, for comparison.
/// </summary>
public static class SessionGuestScenario
{
    public const string BrokerShow = "broker-session-show";
    public const string Before = "broker-session-before";
    public const string PlainMeasurements = "broker-session-plain-measurements";
    public const string Establish = "broker-session-establish";
    public const string Established = "broker-session-established";
    public const string Measurements = "broker-session-measurements";
    public const string MeasurementsText = "broker-session-measurements-text";
    public const string AfterMeasurements = "broker-session-after-measurements";
    public const string End = "broker-session-end";
    public const string AfterEnd = "broker-session-after-end";
    public const string BrokerLog = "broker-session-brokerd-log";

    private const string StateDirectory = "/var/lib/cma-broker-session";

    public static GuestPayload AppendTo(GuestPayload payload)
    {
        string cmactl = $"{GuestScenario.CmaCtl} --address {GuestFiles.BusAddress}";
        return payload
            // A state directory of its own, so the device's state is this broker's authentication, not a stored one.
            // session=on-demand is the default, named so the step says what it runs under; no idle timeout, so a
            // slow TCG guest between two steps cannot end the session the test is about.
            .Line("mkdir -p " + StateDirectory)
            .Line($"{GuestScenario.CmaBrokerd} --bus {GuestFiles.BusAddress} --trust-dir {GuestFiles.GoodTrustDirectory} --state-dir {StateDirectory} " +
                  "--set session=on-demand --set sessionIdleTimeoutS=0 >/tmp/brokerd-session.log 2>&1 &")
            .Line("SESSION_BROKERD_PID=$!")
            // Coldplug scan, then authentication in the background: wait (at most 120 s) until it settled.
            .Line($"for i in $(seq 480); do {cmactl} --json show $NVME_ADDR 2>/dev/null | grep -Eq '\"authState\": *\"({GuestScenario.SettledStates})\"' && break; " +
                  "kill -0 $SESSION_BROKERD_PID 2>/dev/null || break; sleep 0.25; done")
            .Step(BrokerShow, $"{cmactl} --json show $NVME_ADDR")
            .Step(Before, $"{cmactl} session $NVME_ADDR")
            .Step(PlainMeasurements, $"{cmactl} --json measurements $NVME_ADDR")
            .Step(Establish, $"{cmactl} session $NVME_ADDR --establish")
            .Step(Established, $"{cmactl} --json session $NVME_ADDR")
            .Step(Measurements, $"{cmactl} --json measurements $NVME_ADDR --session")
            .Step(MeasurementsText, $"{cmactl} measurements $NVME_ADDR --session")
            .Step(AfterMeasurements, $"{cmactl} --json session $NVME_ADDR")
            .Step(End, $"{cmactl} --json session $NVME_ADDR --end")
            .Step(AfterEnd, $"{cmactl} session $NVME_ADDR")
            .Line("kill $SESSION_BROKERD_PID 2>/dev/null; wait $SESSION_BROKERD_PID")
            .Step(BrokerLog, "cat /tmp/brokerd-session.log");
    }
}
