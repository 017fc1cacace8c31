#!/usr/bin/env python3
"""Writes fuzz/corpus/<target>/ from the libspdm recordings (../shared/fixtures/libspdm) and the repository's
own sample files. Run once by a developer; the corpus it writes is committed, so the repository stands alone.
Usage: fuzz/tools/make-seeds.py FIXTURES_DIR"""
import hashlib, os, re, struct, sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
fixtures = sys.argv[1]
corpus = os.path.join(root, "fuzz", "corpus")

seen = set()

def put(target, data, key=None):
    """Writes one seed; of the seeds that share a key (message kind) only the first is kept, so afl's
    start-up calibration stays short."""
    if key is not None:
        if (target, key) in seen:
            return
        seen.add((target, key))
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha256(data).hexdigest()[:16]), "wb") as f:
        f.write(data)

def kind_of(obj):
    return obj[2]

# Size selector of the spdm target: bits 0-1 hash (32, 48, 64), bits 2-4 signature size index
# (64, 96, 132, 256, 384, 512, 57, 114), bit 5 summary hash, bit 6 verify data.
recordings = {
    "v12-p256-sha256": (0, 0), "v11-rsapss3072-sha384": (1, 4), "v12-p384-sha384-session": (1, 1),
    "v12-p384-sha384-aes256-secured": (1, 1), "v11-rsapss3072-sha384-aes128-secured": (1, 4),
    "v13-p256-sha256-chacha20-session": (0, 0), "v12-p384-sha384-aes256-idekm-tdisp": (1, 1),
}
for name, (hash_index, sig_index) in recordings.items():
    path = os.path.join(fixtures, name + ".transcript.txt")
    if not os.path.exists(path):
        continue
    sizes, objects = {}, []
    for line in open(path):
        m = re.match(r"#\s+(\d+) (REQ|RSP) type (\d)\s.*SPDM message (\d+) bytes", line)
        if m:
            sizes[int(m.group(1))] = int(m.group(4))
        m = re.match(r"(REQ|RSP) ([0-9a-f]+)$", line.strip())
        if m:
            objects.append((m.group(1), bytes.fromhex(m.group(2))))
    for number, (direction, obj) in enumerate(objects, 1):
        if len(obj) <= 2048:
            put("doe", obj, (kind_of(obj), obj[8:10] if obj[2] != 0 else obj[8:12]))
        kind = obj[2]
        payload = obj[8:]
        if kind == 1:
            message = payload[: sizes.get(number, len(payload))]
            for extra in ((0x00, 0x20, 0x40, 0x60) if message[1:2] in (b"\x03", b"\x64", b"\x65") else (0x00,)):
                put("spdm", bytes([hash_index | (sig_index << 2) | extra]) + message, (hash_index, sig_index, extra, message[1:2]))
        elif kind == 2:
            put("secured-message", bytes([1]) + payload, (name, len(payload) // 64))
    secrets = os.path.join(fixtures, name + ".secrets.txt")
    if os.path.exists(secrets):
        for line in open(secrets):
            m = re.match(r"line\d+\.app_data: ([0-9a-f]+)$", line.strip())
            if not m:
                continue
            app = bytes.fromhex(m.group(1))
            put("spdm", bytes([hash_index | (sig_index << 2)]) + app, (hash_index, sig_index, 0, app[1:2]))
            # VENDOR_DEFINED, StandardID 3 (PCI-SIG), vendor 0x0001, protocol 0 (IDE_KM): the IDE_KM payload.
            if len(app) > 11 and app[1] in (0xFE, 0x7E) and app[4:9] == b"\x03\x00\x02\x01\x00" and app[11] == 0:
                put("idekm", app[11:], (app[12], app[13]))

# The emulator's echo protocol (vendor 0x1B36, type 0xEC; not in the recordings): a DOE object of 7 dwords
# carrying a 16-byte tag and a 4-byte payload.
put("doe", bytes([0x36, 0x1B, 0xEC, 0x00, 7, 0, 0, 0]) + bytes(range(16)) + b"\xde\xad\xbe\xef", ("echo",))

def der_length(b):
    if b[1] < 0x80:
        return 2 + b[1]
    n = b[1] & 0x7F
    return 2 + n + int.from_bytes(b[2:2 + n], "big")

for chain_file, hash_index, hash_name in (("ecp256-bundle_responder.certchain.der", 0, "sha256"),
                                          ("ecp384-bundle_responder.certchain.der", 1, "sha384"),
                                          ("rsa3072-bundle_responder.certchain1.der", 1, "sha384")):
    path = os.path.join(fixtures, chain_file)
    if not os.path.exists(path):
        continue
    body = open(path, "rb").read()
    root_hash = hashlib.new(hash_name, body[: der_length(body)]).digest()
    header = struct.pack("<HH", 4 + len(root_hash) + len(body), 0) + root_hash
    put("cert-chain", bytes([hash_index]) + header + body)

# CDAT: a table (header + DSMAS + DSLBIS + DSIS), and the same as a Table Access Read Entry response.
dsmas = struct.pack("<BBHBBHQQ", 0, 0, 24, 0, 0, 0, 0, 1 << 32)
dslbis = struct.pack("<BBHBBBBQHHHH", 1, 0, 24, 0, 0, 0, 0, 1000, 150, 0, 0, 0)
dsis = struct.pack("<BBHBBH", 5, 0, 8, 0, 0, 0)
structures = dsmas + dslbis + dsis
length = 16 + len(structures)
table = bytearray(struct.pack("<IBB6sI", length, 1, 0, b"\0" * 6, 1) + structures)
table[5] = (-sum(table)) & 0xFF
put("cdat", bytes(table))
put("cdat", struct.pack("<BBH", 0, 0, 0xFFFF) + bytes(table))
put("cdat", dsmas)

# uevents: the kernel layout and the libudev layout of a PCI add.
kernel = b"add@/devices/pci0000:00/0000:00:02.0\0ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:02.0\0SUBSYSTEM=pci\0PCI_SLOT_NAME=0000:00:02.0\0SEQNUM=1234\0"
put("uevent", kernel)
props = b"ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:02.0\0SUBSYSTEM=pci\0PCI_SLOT_NAME=0000:00:02.0\0SEQNUM=1235\0"
libudev = b"libudev\0" + struct.pack(">I", 0xFEEDCAFE) + struct.pack("<IIIIIII", 40, 40, len(props), 0, 0, 0, 0) + props
put("uevent", libudev)

for target, paths in (("config", ["packaging/cma-broker.json", "packaging/demo/cma-broker.json"]),
                      ("reference", ["packaging/reference.d/sample-emulated-good.json"] +
                       [os.path.join("packaging/demo/reference.d", f) for f in sorted(os.listdir(os.path.join(root, "packaging/demo/reference.d")))
                        if f.endswith(".json")])):
    for p in paths:
        put(target, open(os.path.join(root, p), "rb").read())

# A state file as StateStore writes it (camelCase JSON, one per PCI address).
put("state", b"""{
  "schemaVersion": 1,
  "address": "0000:03:00.0",
  "identity": { "vendorId": 6966, "deviceId": 51713, "subsystemVendorId": 6966, "subsystemId": 51713, "serialNumber": "ca-ac-ed-91-00-00-00-00" },
  "verdict": "authenticated",
  "reason": "",
  "spdmVersion": "1.3",
  "algorithms": { "BaseHash": "SHA-384", "BaseAsym": "ECDSA-P384" },
  "challengedSlot": 0,
  "chains": [],
  "measurementState": "match",
  "mismatchedIndices": [],
  "measurements": [],
  "authenticatedAt": "2026-12-06T05:15:28+00:00",
  "firstSeen": "2026-12-06T05:15:28+00:00",
  "updatedAt": "2026-12-06T05:15:28+00:00",
  "history": []
}
""")
