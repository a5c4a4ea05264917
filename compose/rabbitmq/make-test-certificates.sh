#!/usr/bin/env bash
# Makes a test CA and, signed by it, a server certificate and a client certificate, with openssl; and a second CA that
# signed nothing (wrong-ca.pem), for checking that a client refuses a broker it was not told to trust. For trying TLS
# (docs/security.md) and for the tests (scripts/broker.sh with KVITT_AMQPS_PORT): keys are unencrypted, valid 10
# years. A real deployment uses certificates from its own CA.
# Usage: make-test-certificates.sh DIR [SERVER_NAME...]
#   DIR gets ca.pem, ca.key, server.pem, server.key, client.pem, client.key and wrong-ca.pem; nothing is made again
#   when client.key is already there. The server certificate is for localhost and 127.0.0.1, and each SERVER_NAME
#   (compose: rabbitmq).
set -euo pipefail
dir="$1"
shift
mkdir -p "$dir"
[ -s "$dir/client.key" ] && exit 0
days=3650
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
names="DNS:localhost,IP:127.0.0.1"
for name in "$@"; do names="$names,DNS:$name"; done
openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=Kvitt test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=Kvitt wrong CA" \
    -keyout "$work/wrong-ca.key" -out "$dir/wrong-ca.pem" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$names" >"$work/server.ext"
printf 'extendedKeyUsage=clientAuth\n' >"$work/client.ext"
for role in server client; do
    subject=localhost
    [ "$role" = client ] && subject=kvitt-client
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$subject" -keyout "$dir/$role.key" -out "$work/$role.csr" \
        2>/dev/null
    openssl x509 -req -in "$work/$role.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days "$days" \
        -extfile "$work/$role.ext" -out "$dir/$role.pem" 2>/dev/null
done
# openssl writes keys readable by their owner alone; in compose the broker (uid 999) and the services' kvitt user read
# them from bind mounts and secrets, which keep the host's owner and mode. These are test keys: readable by all.
chmod 0644 "$dir/server.key" "$dir/client.key"
echo "test certificates in $dir"
