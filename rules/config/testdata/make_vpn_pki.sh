#!/bin/sh
# Test certificates for the `vpn` section's checks and charon's load test: make_vpn_pki.sh DIR
# ECDSA P-384 CA with an ECDSA P-384 leaf and an RSA-3072 leaf (accepted), and what TR-02102-3 refuses or
# what does not fit together: RSA-2048, P-521 and Ed25519 leaves, a leaf used as CA, an encrypted key, a
# key that belongs to another certificate. Keys are mode 0600.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
umask 077
q() { "$@" >/dev/null 2>&1; }

q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout ca.key -out ca.pem -days 3650 \
  -subj "/C=DE/O=Stadt Example/CN=Stadt Example VPN CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

leaf() { # name keyalg-options... ; CN = name
  name=$1; shift
  q openssl req -new -newkey "$@" -nodes -keyout "$name.key" -out "$name.csr" \
    -subj "/C=DE/O=Stadt Example/CN=$name.stadt.example"
  printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:%s.stadt.example\n' "$name" > "$name.ext"
  q openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$name.pem" -days 825 \
    -extfile "$name.ext"
  rm -f "$name.csr" "$name.ext"
}
leaf ecdsa ec -pkeyopt ec_paramgen_curve:P-384
leaf peer ec -pkeyopt ec_paramgen_curve:P-384
leaf rsa rsa -pkeyopt rsa_keygen_bits:3072
leaf rsa2048 rsa -pkeyopt rsa_keygen_bits:2048
leaf p521 ec -pkeyopt ec_paramgen_curve:P-521
leaf ed25519 ed25519
q openssl pkey -in ecdsa.key -aes256 -passout pass:secret-passphrase -out encrypted.key
# A CA of another box: its certificates are refused against ca.pem.
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout other-ca.key -out other-ca.pem \
  -days 3650 -subj "/CN=Other CA" -addext "basicConstraints=critical,CA:TRUE"
chmod 600 ./*.key
chmod 644 ./*.pem
