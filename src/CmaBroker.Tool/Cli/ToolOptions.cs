namespace CmaBroker.Tool.Cli;

/// <summary>Every option cmatool knows; global ones apply to every command.</summary>
public static class ToolOptions
{
    public static readonly OptionSpec Json = new("--json", null, "Print one JSON document on standard output (camelCase keys, byte strings as lower-case hex).");
    public static readonly OptionSpec SysfsRoot = new("--sysfs-root", "DIR", "Root of sysfs for pci: targets and udev-probe (default /sys); lets tests use a fake tree.");
    public static readonly OptionSpec TimeoutMs = new("--timeout-ms", "N", "Timeout for each DOE exchange in milliseconds (default: 1000 on pci: and emulated: targets, as the DOE specification requires; 10000 on spdm-socket: targets). On spdm-socket: targets it is also the deadline of every SPDM response; without it the responder's CTExponent sets that deadline, within 1..10 s.");
    public static readonly OptionSpec Help = new("--help", null, "Show this help and exit 0.");
    public static readonly OptionSpec Version = new("--version", null, "Print the version and exit 0.");

    public static readonly OptionSpec Mailbox = new("--mailbox", "OFFSET", "Use the DOE mailbox at this capability offset (e.g. 0x160) instead of the lowest-offset one that lists the protocol.");
    public static readonly OptionSpec Trust = new("--trust", "FILE|DIR", "Trust anchors: a PEM or DER certificate, or a directory of them; may be repeated.", Repeatable: true);
    public static readonly OptionSpec Slot = new("--slot", "N", "Certificate slot to challenge (0-7, default 0).");
    public static readonly OptionSpec Reference = new("--reference", "FILE|DIR", "Reference measurements to compare with (a reference .json file as the daemon's reference.d holds, or a directory of them; schema in packaging/reference.d/README.md): each block is marked match, differs or not in the reference, and the comparison's state (match, mismatch, no-reference, unavailable) is printed. Blocks of a device that is not authenticated are not compared (unavailable), as in the daemon.");
    public static readonly OptionSpec Port = new("--port", "N", "TCP port to listen on (default 2323, the spdm-emu default; 0 picks a free one); the bound port is printed.");

    public static readonly OptionSpec Dhe = new("--dhe", "NAME", "DHE group to offer: secp256r1, secp384r1, secp521r1, ffdhe2048, ffdhe3072 or ffdhe4096 (default: all; the device picks).");
    public static readonly OptionSpec Aead = new("--aead", "NAME", "AEAD to offer: aes-128-gcm, aes-256-gcm or chacha20-poly1305 (default: all; the device picks).");
    public static readonly OptionSpec Measure = new("--measure", null, "Read all measurement blocks inside the session, signed, and verify the signature.");
    public static readonly OptionSpec Heartbeat = new("--heartbeat", null, "Send HEARTBEAT inside the session.");
    public static readonly OptionSpec KeyUpdate = new("--key-update", null, "Run KEY_UPDATE inside the session: UpdateAllKeys, then VerifyNewKey.");
    public static readonly OptionSpec HandshakeInTheClear = new("--handshake-in-the-clear", null, "Set HANDSHAKE_IN_THE_CLEAR_CAP: if the device sets it too, FINISH travels as plain SPDM (default: the handshake is encrypted).");

    public static readonly OptionSpec Mutual = new("--mutual", null, "Offer mutual authentication (MUT_AUTH_CAP, ENCAP_CAP, ReqBaseAsymAlg of the key): if the device asks for it, FINISH is signed with --key and the device may fetch --cert-chain through the encapsulated flow. Needs --cert-chain and --key.");
    public static readonly OptionSpec CertChain = new("--cert-chain", "FILE", "The requester's certificate chain, PEM, root to leaf or leaf to root (with --mutual).");
    public static readonly OptionSpec Key = new("--key", "FILE", "The requester's private key, PEM (PKCS#8, SEC1 or PKCS#1): ECDSA P-256/P-384/P-521 or RSA 2048/3072/4096; it must belong to the chain's leaf (with --mutual).");
    public static readonly OptionSpec EmulatorMutual = new("--emulator-mutual", "MODE", "emulated: targets only: make the emulated device ask for mutual authentication: signed (MutAuthRequested bit 0; the device already holds --cert-chain), encapsulated (bit 1) or encapsulated-digests (bit 2).");
    public static readonly OptionSpec EmulatorRequesterTrust = new("--emulator-requester-trust", "FILE", "emulated: targets only: the root(s) the emulated device trusts for requester chains (PEM or DER; default: the first certificate of --cert-chain).");

    public static readonly OptionSpec TransferSize = new("--transfer-size", "BYTES", "The requester's DataTransferSize (SPDM 1.2+, 42-1048568; default 1048568, a whole DOE object): a response larger than it comes back through ERROR LargeResponse and CHUNK_GET.");
    public static readonly OptionSpec EmulatorTransferSize = new("--emulator-transfer-size", "BYTES", "emulated: targets only: the emulated device's DataTransferSize (42-65536; its MaxSPDMmsgSize stays 65536, so it announces CHUNK_CAP): a request larger than it goes out with CHUNK_SEND.");

    public static readonly OptionSpec StreamId = new("--stream-id", "N", "IDE Stream ID (0-255, default 0).");
    public static readonly OptionSpec PortIndex = new("--port-index", "N", "IDE_KM PortIndex at the device (0-255, default 0: the function's own port).");
    public static readonly OptionSpec RidBase = new("--rid-base", "N", "First requester ID of the stream's RID association (default 0).");
    public static readonly OptionSpec RidLimit = new("--rid-limit", "N", "Last requester ID of the stream's RID association (default 0xffff).");
    public static readonly OptionSpec AddrRange = new("--addr-range", "BASE:LIMIT", "An address association range (inclusive, 1 MiB granular), e.g. 0x80000000:0x80ffffff; may be repeated.", Repeatable: true);

    public static IReadOnlyList<OptionSpec> Global { get; } = [Json, SysfsRoot, TimeoutMs, Help, Version];

    public static IReadOnlyList<OptionSpec> All { get; } = [.. Global, Mailbox, Trust, Slot, Reference, Port, Dhe, Aead, Measure, Heartbeat, KeyUpdate, HandshakeInTheClear,
        Mutual, CertChain, Key, EmulatorMutual, EmulatorRequesterTrust, TransferSize, EmulatorTransferSize, StreamId, PortIndex, RidBase, RidLimit, AddrRange];

    /// <summary>The option named <paramref name="name"/> (<c>-h</c> is <c>--help</c>), or null.</summary>
    public static OptionSpec? Find(string name) =>
        name == "-h" ? Help : All.FirstOrDefault(o => o.Name == name);
}
