namespace CmaBroker.Daemon.Hosting;

/// <summary>cma-brokerd --help: written as the man page's synopsis, options, signals, files and exit status.</summary>
public static class HelpText
{
    public const string Text = """
        NAME
            cma-brokerd - PCIe DOE mailbox broker and CMA/SPDM device authenticator (D-Bus service)

        SYNOPSIS
            cma-brokerd [--config FILE] [--bus system|session|ADDRESS] [--target TARGET]... [OPTION]...
            cma-brokerd --check-config [--config FILE] [OPTION]...
            cma-brokerd --help | --version

        DESCRIPTION
            cma-brokerd owns every PCIe Data Object Exchange (DOE) mailbox on the host, runs each mailbox's
            traffic through per-protocol queues, authenticates devices with CMA/SPDM when they appear, and
            serves results and mediated exchanges on D-Bus as org.cmabroker.Broker1 (interfaces in
            /usr/share/dbus-1/interfaces/org.cmabroker.Broker1.xml; use cmactl(1) as a client).

            Under systemd (Type=notify) it reports READY=1 once the bus name is owned and coldplug discovery
            has finished; authentication continues afterwards and shows in STATUS=. WATCHDOG=1 is sent at half
            of WATCHDOG_USEC when the unit sets WatchdogSec=.

        OPTIONS
            -c, --config FILE
                Configuration file (JSON). Default: $CONFIGURATION_DIRECTORY/cma-broker.json, else
                /etc/cma-broker/cma-broker.json; the default file may be absent (built-in defaults apply), a
                file named here must exist.
            --bus system|session|ADDRESS
                Bus to serve on: the system bus (default), the session bus, or a D-Bus address such as
                unix:path=/run/dbus/system_bus_socket.
            -t, --target TARGET
                Serve this target; repeat for more. Replaces the configuration's target list. TARGET is
                pci:DDDD:BB:DD.F, emulated:PROFILE[#N][@ADDRESS] (profiles good, bad-cert, mismatch, slow,
                no-cma, cxl-mem, ide-flaky, echo) or spdm-socket:HOST:PORT[@ADDRESS].
            --no-coldplug
                Do not scan sysfs for PCI functions; serve the configured targets only.
            --sysfs-root DIR
                Root of sysfs (default /sys).
            --state-dir DIR
                Where results and history are kept (default $STATE_DIRECTORY, else /var/lib/cma-broker).
            --trust-dir DIR
                Trust anchors: every PEM or DER certificate in DIR (default /etc/cma-broker/trust.d).
            --reference-dir DIR
                Reference measurements: JSON files (default /etc/cma-broker/reference.d).
            --request-timeout-ms N
                Deadline of one D-Bus request, queue wait and exchange together (default 10000).
            --queue-limit N
                Requests waiting per protocol class per mailbox, all clients together, before new ones fail
                with Busy (default 64). One client may have at most maxQueuedPerCaller of them (default 16;
                --set maxQueuedPerCaller=N).
            --set KEY=VALUE
                Override any configuration key (keys as in the file, e.g. --set doeTimeoutMs=500).
            --log-level LEVEL
                trace, debug, information (default), warning, error or critical.
            --check-config
                Load and validate the configuration, trust anchors and reference files, print what is wrong,
                and exit (0 valid, 2 invalid; an empty trust directory counts as a problem, since every device
                would be untrusted). Talks to no device and no bus.
            --emulator-fault-dir DIR
                Test only; refused unless --no-coldplug is given and every target is emulated:. Before each
                exchange an emulated mailbox reads the file DIR/pci_DDDD_BB_DD_F.doe_XXXX named after its D-Bus
                objects: a fault name in it (busy-stuck, error-bit, never-ready, bad-length, long-response,
                wrong-type, abort-ignored, surprise-removal, removal-during-response, spdm-busy, spdm-not-ready,
                spdm-malformed, session-mac) switches that emulator fault on, a missing file switches it off.
            -h, --help
                Show this text and exit.
            -V, --version
                Print the version and exit.

        SIGNALS
            SIGHUP    Reload: re-read configuration, trust anchors and reference measurements and re-judge every
                      device without talking to it (as Manager.Reload). A bad file is refused with a log line
                      and the old policy is kept.
            SIGTERM, SIGINT
                      Stop: no new requests are accepted, in-flight exchanges finish or are aborted, every
                      mailbox is left idle, then the process exits 0.

        EXIT STATUS
            0    success (or --check-config: the configuration is valid)
            1    failure (cannot connect to the bus, unexpected error)
            2    usage error or invalid configuration
            4    permission denied: not allowed to own org.cmabroker.Broker1 on the bus, or missing privilege
                 (config space beyond 64 bytes needs CAP_SYS_ADMIN). Not worth restarting.
            13   kernel lockdown forbids what the configuration requires. Not worth restarting.
            The unit sets RestartPreventExitStatus=2 4 13 so systemd does not restart into the same failure.

        FILES
            /etc/cma-broker/cma-broker.json        configuration
            /etc/cma-broker/trust.d/               trust anchors
            /etc/cma-broker/reference.d/           reference measurements
            /var/lib/cma-broker/                   results and history
            /var/lib/prometheus/node-exporter/cma-broker.prom
                                                   node metrics for node_exporter's textfile collector
                                                   (metricsTextfileDir; only while the directory exists)
            /usr/share/dbus-1/system.d/org.cmabroker.Broker1.conf    bus policy

        SEE ALSO
            cmactl(1), cmatool(1), systemd.service(5), dbus-daemon(1)
        """;
}
