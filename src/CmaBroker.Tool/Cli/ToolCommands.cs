namespace CmaBroker.Tool.Cli;

/// <summary>The subcommands, in the order the help lists them.</summary>
public static class ToolCommands
{
    public static readonly CommandSpec Discover = new("discover", ["TARGET"], [],
        "List the target's DOE mailboxes and the protocols each one supports.",
        "Walks the extended capability list, then runs DOE Discovery on every DOE mailbox. Also prints the device identity (vendor, device and subsystem IDs, serial number).");

    public static readonly CommandSpec Exchange = new("exchange", ["TARGET", "VENDOR", "TYPE", "HEX"], [ToolOptions.Mailbox],
        "Send one raw DOE object and print the response.",
        "VENDOR and TYPE name the data object protocol (decimal, or hex with 0x), HEX is the request payload without the DOE header (hex digits; spaces, ':' and '-' are ignored). The payload is zero-padded to a whole number of dwords. The lowest-offset mailbox listing (VENDOR, TYPE) is used unless --mailbox names another.");

    public static readonly CommandSpec Authenticate = new("authenticate", ["TARGET"], [ToolOptions.Trust, ToolOptions.Slot, ToolOptions.Reference],
        "Authenticate the device with CMA/SPDM and print the verdict.",
        "Runs GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS, GET_DIGESTS, GET_CERTIFICATE, CHALLENGE and GET_MEASUREMENTS, verifies the certificate chain against the trust anchors and every signature, and prints the verdict, its reason, the SPDM version, the algorithms, the certificate subjects per slot and the measurements. Exits 0 only when the device is authenticated; without --trust the verdict is untrusted.");

    public static readonly CommandSpec Measurements = new("measurements", ["TARGET"], [ToolOptions.Trust, ToolOptions.Slot, ToolOptions.Reference],
        "Print the device's measurement blocks.",
        "Runs the same flow as authenticate and prints the measurement blocks (index, specification, value type, value). The blocks are printed whatever the verdict; the exit code still reports an untrusted device. With --reference each block is marked against the reference values (as cma-brokerd compares with its reference.d); the exit code does not change with the comparison.");

    public static readonly CommandSpec Session = new("session", ["TARGET"],
        [ToolOptions.Trust, ToolOptions.Slot, ToolOptions.Dhe, ToolOptions.Aead, ToolOptions.Measure, ToolOptions.Heartbeat, ToolOptions.KeyUpdate, ToolOptions.HandshakeInTheClear,
            ToolOptions.Mutual, ToolOptions.CertChain, ToolOptions.Key, ToolOptions.EmulatorMutual, ToolOptions.EmulatorRequesterTrust,
            ToolOptions.TransferSize, ToolOptions.EmulatorTransferSize],
        "Open an SPDM secure session, run the chosen operations in it and end it.",
        "Negotiates with session algorithms, reads and validates the slot's certificate chain against the trust anchors, then KEY_EXCHANGE (signature and ResponderVerifyData checked) and FINISH, and talks DSP0277 secured messages over DOE type 2 (Secured CMA). Runs --heartbeat, --key-update and --measure in that order, then END_SESSION, and prints the session ID, the SPDM and secured-message versions, the algorithms, whether the handshake was in the clear and the in-session measurements. A record that fails authentication ends the session (exit 8); an untrusted chain opens none (exit 9); a device without sessions exits 10. With --mutual --cert-chain FILE --key FILE the requester offers mutual authentication: when KEY_EXCHANGE_RSP asks for it (MutAuthRequested bit 0, 1 or 2), it answers the device's encapsulated GET_DIGESTS and GET_CERTIFICATE and signs FINISH; the device refusing the chain or the signature exits 8, a device asking without --mutual exits 10. Basic (CHALLENGE-based) mutual authentication is not supported. Large messages (SPDM 1.2+): a request larger than the device's DataTransferSize goes out with CHUNK_SEND and a response larger than --transfer-size comes back through CHUNK_GET, inside the session and outside it; the output shows both sizes and whether CHUNK_CAP was negotiated.");

    public static readonly CommandSpec Cdat = new("cdat", ["TARGET"], [ToolOptions.Mailbox],
        "Read the device's CXL CDAT (Coherent Device Attribute Table) and print it.",
        "Reads every entry over CXL Table Access DOE (vendor 0x1E98, type 2; no SPDM session needed), from entry handle 0 to the end marker, checks the header (length, revision, checksum over the whole table) and each structure's length for its type, and prints the header and one line per structure: DSMAS (DPA ranges in hex, sizes in GiB), DSLBIS and SSLBIS (latencies in ns, bandwidths in GB/s), DSMSCIS, DSIS, DSEMTS; structures of unknown types are shown raw. With --json: the header, every structure's fields and the raw table in hex. A handle loop, a truncated entry or a bad checksum exits 8 (ProtocolError). Uses the lowest-offset mailbox listing CDAT unless --mailbox names another. On a pci: target whose CDAT the kernel owns (a CXL DVSEC, and either a CXL port under <sysfs-root>/bus/cxl/devices whose uport is the function or its memdev, or cxl_pci bound; the CXL bus alone is not enough) no DOE register is written: the kernel's copy, the CDAT attribute of the CXL port whose upstream port is the function, is printed instead, or the command exits 12 (KernelOwned) when there is none.");
    public static readonly CommandSpec Ide = new("ide", ["query|setup|refresh|stop", "TARGET"],
        [ToolOptions.Trust, ToolOptions.Slot, ToolOptions.StreamId, ToolOptions.PortIndex, ToolOptions.RidBase, ToolOptions.RidLimit, ToolOptions.AddrRange],
        "PCIe Selective IDE: query the device's IDE_KM state, or set up, refresh or stop a stream.",
        "Opens an SPDM secure session (as session does; --trust is needed) and speaks IDE_KM in it. query: QUERY/QUERY_RESP, read-only, and prints the device's Selective IDE stream register blocks (stream ID, enabled, state). setup: fresh keys for key set K0 programmed into all six sub-streams (Rx/Tx x PR/NPR/CPL) of the device with KEY_PROG and into the host port for the opposite direction, K_SET_GO Rx then Tx on both, both ports' Selective IDE Stream Control and RID/Address Association registers written, the stream enabled and its state read back. refresh: the same on the other key set. stop: K_SET_STOP Tx then Rx, both register blocks cleared. Keys are never printed, logged or stored. Only emulated: targets have a programmable host port (the emulated root port). On pci: targets Linux userspace cannot key the root port (that is the platform TSM's job): query works, setup, refresh and stop exit 10 (unsupported) before any KEY_PROG or config write; with the kernel's tsm/ in sysfs IDE is kernel-owned (exit 12).");

    public static readonly CommandSpec UdevProbe = new("udev-probe", ["KERNEL_NAME"], [],
        "Tell udev whether a PCI device has DOE mailboxes (read-only).",
        "For udev rules (IMPORT{program}=\"/usr/bin/cmatool udev-probe %k\"): reads <sysfs-root>/bus/pci/devices/KERNEL_NAME/config and walks its extended capabilities without writing a single register. Prints CMA_BROKER_DOE=1 and CMA_BROKER_DOE_MAILBOXES=N for a device with DOE capabilities and nothing otherwise; exits 0 in both cases.");

    public static readonly CommandSpec Serve = new("serve", ["TARGET"], [ToolOptions.Port],
        "Serve an emulated device over the spdm-socket protocol.",
        "Serves an emulated: target's DOE responders (Discovery, CMA/SPDM, …) on 127.0.0.1 with the platform socket protocol of DMTF spdm-emu and QEMU (spdm_port=N), so a QEMU guest or another requester can talk to it. Prints 'listening on 127.0.0.1:PORT' and runs until SIGINT, SIGTERM or a SHUTDOWN command.");

    public static readonly CommandSpec EmulatorCa = new("emulator-ca", ["DIR"], [],
        "Write the emulator's trusted root CA certificate into DIR.",
        "Writes the PEM root CA that the emulated profiles good, mismatch and slow chain to (bad-cert chains to a different CA) as DIR/cmabroker-emulated-good-root-ca.pem and prints its path; DIR is created if missing. The certificate comes from a fixed seed, so it is the same on every run: use DIR with --trust or as the daemon's trust.d for demos and tests.");

    public static IReadOnlyList<CommandSpec> All { get; } = [Discover, Exchange, Authenticate, Measurements, Session, Ide, Cdat, UdevProbe, Serve, EmulatorCa];

    public static CommandSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
