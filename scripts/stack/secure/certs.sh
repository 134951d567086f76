# The secure stack's private certificate authority and certificates, made on the spot with
# openssl (nothing downloaded), once per run dir. Sourced by secure/stack.sh.
#   ca.pem / ca.key               the stack's CA: every client trusts it, nothing else
#   server.pem / server.key       every server (SAN 127.0.0.1, localhost); also Kafka's broker
#                                 identity towards its controller (mTLS), hence clientAuth too
#   client.pem / client.key       a client certificate of the CA: FerretDB asks for one (mutual
#                                 TLS), Redis checks one when it is presented
#   client-bundle.pem             key + certificate in one file, as the MongoDB driver reads them
#   expired.pem / expired.key     signed by the CA, valid only in 2020: must be refused
#   other-ca.pem, other-server.*  another CA and a server certificate of it: must not be trusted
# Keys are PKCS#8 (Kafka's PEM key store reads nothing else), unencrypted, mode 600.

secure_certs_made() { [[ -f $SECURE_TLS/ca.pem && -f $SECURE_TLS/server.pem && -f $SECURE_TLS/expired-bundle.pem && -f $SECURE_TLS/client-bundle.pem && -f $SECURE_TLS/other-ca.pem ]]; }

# A key (PKCS#8) and a CSR with the given subject.
secure_key_and_csr() {
  local name=$1 subject=$2
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$SECURE_TLS/$name.key" 2>/dev/null
  openssl req -new -key "$SECURE_TLS/$name.key" -subj "$subject" -out "$SECURE_TLS/$name.csr" 2>/dev/null
}

secure_make_certs() {
  local d=$SECURE_TLS
  rm -rf "$d" && mkdir -p "$d/newcerts" && chmod 700 "$d"
  (
    set -e
    umask 077
    cd "$d"
    for ca in ca other-ca; do
      openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ca.key"
      openssl req -x509 -new -key "$ca.key" -days 3650 -subj "/CN=consent-worker $ca (secure stack)" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$ca.pem"
    done
    cat >server.ext <<EOT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EOT
    cat >client.ext <<EOT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
EOT
    secure_key_and_csr server "/CN=consent-stack-server"
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -extfile server.ext -out server.pem
    secure_key_and_csr other-server "/CN=consent-stack-impostor"
    openssl x509 -req -in other-server.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial -days 825 -extfile server.ext -out other-server.pem
    secure_key_and_csr client "/CN=consent-worker"
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -extfile client.ext -out client.pem
    # `openssl x509 -req` cannot back-date; `openssl ca` can set both dates.
    cat >ca.cnf <<EOT
[ ca ]
default_ca = stack_ca
[ stack_ca ]
database = $d/index.txt
new_certs_dir = $d/newcerts
serial = $d/ca.srl
default_md = sha256
policy = any_name
copy_extensions = copy
[ any_name ]
commonName = supplied
EOT
    : >index.txt
    secure_key_and_csr expired "/CN=consent-worker-expired"
    openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -extfile client.ext \
      -startdate 20200101000000Z -enddate 20200102000000Z -notext -out expired.pem
    # Kafka's PEM key store: the private key and its certificate chain in one file.
    cat server.key server.pem >server-keystore.pem
    # The MongoDB driver's tlsCertificateKeyFile: the client's key and certificate in one file.
    cat client.key client.pem >client-bundle.pem
    cat expired.key expired.pem >expired-bundle.pem
    rm -f ./*.csr
    chmod 644 ./*.pem
    chmod 600 ./*.key server-keystore.pem client-bundle.pem expired-bundle.pem
  ) >"$d/openssl.log" 2>&1 || { fail "secure: openssl could not make the certificates; see $d/openssl.log"; return 1; }
  say "secure: private CA and certificates made in $d"
}
