namespace CmaBroker.Cli;

/// <summary>cmactl --help: written to read like a man page.</summary>
internal static class HelpText
{
    public const string Text = """
        NAME
            cmactl - query and drive the CMA/SPDM broker (cma-brokerd) over D-Bus

        SYNOPSIS
            cmactl [--address ADDRESS] [--json] COMMAND [ARGUMENTS] [OPTIONS]

        DESCRIPTION
            cmactl talks to cma-brokerd, the daemon that owns every PCIe DOE mailbox on the host,
            authenticates devices with CMA/SPDM and mediates other programs' DOE exchanges. It only
            asks the daemon; it never touches a device itself (cmatool does that, without a daemon).
            DEVICE is a PCI address (0000:03:00.0, optionally written pci:0000:03:00.0) or a device
            object path (/org/cmabroker/Broker1/devices/pci_0000_03_00_0).

        COMMANDS
            status                      The broker itself: state (starting, running, reloading,
                                        stopping), version, devices by authentication state, when
                                        the last scan finished, trust anchors and reference entries
                                        in force. Any user may ask.
            list                        Devices with DOE mailboxes, their authentication and
                                        measurement state.
            show DEVICE                 Every property of a device and of its mailboxes.
            authenticate DEVICE [--slot N]
                                        Authenticate now (negotiate SPDM, verify the certificate
                                        chain, challenge, read signed measurements) and print the
                                        verdict, its kind (auth_error_kind) and the leaf's expiry.
                                        A --slot the broker's verdictSlots do not count is only
                                        reported ("not published"): the device's state stays.
                                        Needs root or group cmabroker.
            certificates DEVICE [--slot N] [--pem]
                                        The device's certificate chain for slot N (default 0), root
                                        first; --pem prints PEM blocks for openssl.
            measurements DEVICE [--fresh | --session]
                                        The last verified measurement blocks, each marked DIFFERS
                                        when it differs from the daemon's reference.d; --fresh asks
                                        the device again (needs group cmabroker); --session asks it
                                        inside the broker's SPDM secure session, opening one when
                                        needed (needs group cmabroker).
            session DEVICE [--establish | --end]
                                        The broker's secure session with the device: state, SPDM
                                        version, algorithms, when it was established, whether it
                                        is mutual. --establish opens one (or shows the one that is
                                        up), --end ends it with END_SESSION. Acting needs root or
                                        group cmabroker; showing is open to everyone.
            evidence DEVICE --nonce HEX Signed measurements over your 32-byte nonce, with transcript,
                                        signature and chain, for a remote verifier.
            enroll DEVICE               Write the device's current verified measurements as its
                                        reference values; prints the file written.
            history DEVICE [--max N]    Stored authentication events, newest first (default 20).
            exchange DEVICE VENDOR TYPE HEX [--mailbox 0xOFF]
                                        One raw DOE exchange through the broker's queues; VENDOR and
                                        TYPE in decimal or 0x-hex, the request payload in hex. Raw
                                        SPDM (vendor 1, types 1-4) needs root.
            cdat DEVICE                 The device's CXL CDAT (memory ranges, latency, bandwidth) as
                                        the broker read it, and where from: its DOE mailbox (kept
                                        while the table's sequence is unchanged) or, when the kernel
                                        owns CDAT, the kernel's sysfs copy. Any user may ask.
            ide query|setup|refresh|stop DEVICE [IDE OPTIONS]
                                        PCIe IDE_KM in an SPDM session the daemon opens for the
                                        call (root only): query reads the device's IDE registers
                                        (QUERY), setup keys and enables a Selective IDE stream on
                                        the device and its host port, refresh programs the other
                                        key set, stop ends the stream. The state also shows in
                                        'show' (IdeStreamState, IdeKeySet, ...). On pci: devices
                                        setup/refresh/stop exit 10: a root port's keys are the
                                        platform TSM's, not userspace's (12 when the kernel's TSM
                                        owns IDE). A failing KP_ACK exits 8, a session lost mid-way
                                        1; either leaves the stream "failed", the host port rolled
                                        back, and a new setup starts from scratch.
            monitor                     Print the broker's signals (devices added and removed,
                                        property changes) as they arrive, until interrupted.

        IDE OPTIONS
            --stream-id N       Stream ID (0-255; setup default 0, refresh/stop default the
                                device's current stream).
            --port-index N      IDE_KM PortIndex at the device (default 0, its own port).
            --rid-base N, --rid-limit N
                                RID association of the stream (setup; default 0..0xffff).
            --addr-range BASE:LIMIT
                                Address association range (setup; repeatable or
                                comma-separated), e.g. 0x80000000:0x8fffffff.
            --timeout-ms N      Deadline of the whole operation (1-600000).

        OPTIONS
            --address ADDRESS   Bus to use: 'system' (default), 'session', or a D-Bus address such
                                as unix:path=/tmp/bus.sock.
            --json              Machine-readable output: camelCase keys, byte values as lowercase
                                hex strings, one JSON document per command (one object per line
                                for monitor). On failure standard output gets
                                {"error": {"kind", "message", "exitCode"}}, as with cmatool.
            -h, --help          This text.
            --version           Print the version.

        ERRORS
            Arguments are checked before cmactl connects: a usage error exits 2 with or without a
            bus. A bus that cannot be reached is one line naming the address and the cause (no
            such socket, permission denied, connection refused). Messages go to standard error.

        EXIT STATUS
            0   success (authenticate: the device is authenticated)
            1   failed (authenticate: verification failed), or another error
            2   usage error or invalid argument
            3   no such device
            4   permission denied (the bus policy or the daemon refused the call)
            5   timeout
            6   device gone
            7   busy (queue full)
            8   protocol error
            9   untrusted (authentication completed, trust not established)
            10  unsupported
            11  mailbox dead
            12  kernel-owned
            13  lockdown
            14  session failed (the secure session could not be established or broke)

        EXAMPLES
            cmactl status
            cmactl list
            cmactl show 0000:03:00.0
            cmactl --json authenticate 0000:03:00.0
            cmactl certificates 0000:03:00.0 --pem > chain.pem
            cmactl evidence 0000:03:00.0 --nonce $(openssl rand -hex 32)
            cmactl exchange 0000:03:00.0 1 0 00000000
            cmactl cdat 0000:0d:00.0
            cmactl ide setup ca00:20:00.0 --stream-id 1 --addr-range 0x80000000:0x8fffffff
            cmactl session 0000:03:00.0 --establish
            cmactl measurements 0000:03:00.0 --session
            cmactl --address unix:path=/tmp/cma/bus.sock monitor

        SEE ALSO
            cma-brokerd(8), cmatool(1), busctl(1)
        """;
}
