#!/bin/sh
# Generates a TEST requester identity for SPDM mutual authentication with openssl:
#   DIR/requester-ca.pem      root CA (the responder must trust it)
#   DIR/requester-chain.pem   root CA, intermediate CA, requester leaf (root first, as SPDM lists them)
#   DIR/requester-key.pem     the leaf's private key (PKCS#8), mode 0600
# Usage: make-requester-identity.sh DIR [p256|p384|rsa2048]   (default p384)
# Use with: cmatool session TARGET --trust … --mutual --cert-chain DIR/requester-chain.pem --key DIR/requester-key.pem
# or the daemon keys "requesterCertChain" / "requesterKey" (the key then root-owned, mode 0600).
# Never use these test keys for anything but tests: they are unprotected files.
set -eu
dir=${1:?usage: make-requester-identity.sh DIR [p256|p384|rsa2048]}
kind=${2:-p384}
case "$kind" in
  p256) algorithm="-algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve" ;;
  p384) algorithm="-algorithm EC -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve" ;;
  rsa2048) algorithm="-algorithm RSA -pkeyopt rsa_keygen_bits:2048" ;;
  *) echo "unknown key kind '$kind' (p256, p384 or rsa2048)" >&2; exit 2 ;;
esac
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077

# shellcheck disable=SC2086
openssl genpkey $algorithm -out "$work/ca.key" 2>/dev/null
# shellcheck disable=SC2086
openssl genpkey $algorithm -out "$work/int.key" 2>/dev/null
# shellcheck disable=SC2086
openssl genpkey $algorithm -out "$dir/requester-key.pem" 2>/dev/null
chmod 600 "$dir/requester-key.pem"

cat > "$work/ext.cnf" <<'CNF'
[int]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

openssl req -new -x509 -key "$work/ca.key" -subj "/CN=CmaBroker test requester CA" -days 3650 -sha384 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/requester-ca.pem"
openssl req -new -key "$work/int.key" -subj "/CN=CmaBroker test requester intermediate" -out "$work/int.csr"
openssl x509 -req -in "$work/int.csr" -CA "$dir/requester-ca.pem" -CAkey "$work/ca.key" -CAserial "$work/ca.srl" -CAcreateserial -days 3650 -sha384 \
  -extfile "$work/ext.cnf" -extensions int -out "$work/int.pem" 2>/dev/null
openssl req -new -key "$dir/requester-key.pem" -subj "/CN=CmaBroker test requester" -out "$work/leaf.csr"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/int.pem" -CAkey "$work/int.key" -CAserial "$work/int.srl" -CAcreateserial -days 3650 -sha384 \
  -extfile "$work/ext.cnf" -extensions leaf -out "$work/leaf.pem" 2>/dev/null
cat "$dir/requester-ca.pem" "$work/int.pem" "$work/leaf.pem" > "$dir/requester-chain.pem"
chmod 644 "$dir/requester-ca.pem" "$dir/requester-chain.pem"
echo "$dir/requester-chain.pem"
echo "$dir/requester-key.pem"
