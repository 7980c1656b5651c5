#!/usr/bin/env bash
# A provider PKI for the management API's tests, made with openssl in DIR: the provider's CA (ca.pem) and its
# CRL (crl.pem), the box's server certificate (server.pem, for 127.0.0.1 and torwart.test), one client
# certificate per role (client-<role>.pem, subject OU = role), and the ones the API must refuse: without a role
# (client-norole), expired (client-expired), revoked (client-revoked, listed in crl.pem) and from another CA
# (client-foreign). EC P-256 keys, SHA-256 signatures (TR-02102-2).
set -euo pipefail
dir=${1:?usage: test_pki.sh DIR}
mkdir -p "$dir"
cd "$dir"

make_ca() {  # name subject
  mkdir -p "$1.db/new"
  : >"$1.db/index.txt"
  echo 1000 >"$1.db/serial"
  echo 1000 >"$1.db/crlnumber"
  openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
  openssl req -new -x509 -key "$1.key" -out "$1.pem" -days 30 -sha256 -subj "$2" \
    -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign
  cat >"$1.cnf" <<CNF
[ca]
default_ca = this
[this]
dir = $PWD/$1.db
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $PWD/$1.pem
private_key = $PWD/$1.key
default_md = sha256
default_days = 30
default_crl_days = 30
policy = anything
unique_subject = no
copy_extensions = copy
[anything]
commonName = supplied
organizationalUnitName = optional
organizationName = optional
[client]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[server]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:torwart.test
CNF
}

issue() {  # ca name subject extensions [startdate enddate]
  openssl ecparam -name prime256v1 -genkey -noout -out "$2.key"
  openssl req -new -key "$2.key" -out "$2.csr" -subj "$3"
  local dates=()
  [ $# -ge 6 ] && dates=(-startdate "$5" -enddate "$6")
  openssl ca -batch -config "$1.cnf" -extensions "$4" -in "$2.csr" -out "$2.pem" -notext "${dates[@]}" 2>/dev/null
  rm -f "$2.csr"
}

make_ca ca "/O=Kommunaler IT-Dienstleister/CN=torwart test provider CA"
make_ca other-ca "/O=Someone Else/CN=another CA"
issue ca server "/O=Stadt Musterhausen/CN=torwart.test" server
for role in provider-admin local-admin auditor dpo; do
  issue ca "client-$role" "/O=Kommunaler IT-Dienstleister/OU=$role/CN=$role-user" client
done
issue ca client-norole "/O=Kommunaler IT-Dienstleister/CN=no-role-user" client
issue ca client-expired "/O=Kommunaler IT-Dienstleister/OU=provider-admin/CN=expired-user" client \
  20200101000000Z 20200201000000Z
issue ca client-revoked "/O=Kommunaler IT-Dienstleister/OU=provider-admin/CN=revoked-user" client
openssl ca -batch -config ca.cnf -revoke client-revoked.pem 2>/dev/null
openssl ca -batch -config ca.cnf -gencrl -out crl.pem 2>/dev/null
issue other-ca client-foreign "/O=Someone Else/OU=provider-admin/CN=foreign-user" client
