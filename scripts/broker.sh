#!/usr/bin/env bash
# Starts or stops a project-local RabbitMQ node on 127.0.0.1, with its state under .run/rabbitmq.
# Usage: scripts/broker.sh start|stop|reset|status|ctl ARGS
# Env: KVITT_AMQP_PORT (default 5672); KVITT_BROKER_NODE (default kvitt): another name runs a second node beside the
# default one, as NAME@localhost with its state in .run/rabbitmq-NAME (give it its own KVITT_AMQP_PORT too).
# KVITT_AMQPS_PORT (default: none): also a TLS listener on 127.0.0.1 at that port, with a test CA made by
# compose/rabbitmq/make-test-certificates.sh in KVITT_TLS_DIR (default: the state folder's tls/): ca.pem, client.pem
# and client.key for clients, and wrong-ca.pem, a CA that signed nothing. The broker requires and verifies a client
# certificate (docs/security.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
node="${KVITT_BROKER_NODE:-kvitt}"
state="$root/.run/rabbitmq"
[ "$node" = "kvitt" ] || state="$state-$node"
# The node runs as the rabbitmq user, which cannot reach a checkout under a private home folder: fall back to a
# folder of its own under /tmp, named after the checkout so that two checkouts do not share state.
if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then
    mkdir -p "$state"
    chown rabbitmq:rabbitmq "$state" 2>/dev/null || true
    if ! runuser -u rabbitmq -- test -w "$state" 2>/dev/null; then
        state="/tmp/kvitt-rabbitmq-$(printf '%s' "$root" | md5sum | cut -c1-12)"
        [ "$node" = "kvitt" ] || state="$state-$node"
    fi
fi
port="${KVITT_AMQP_PORT:-5672}"
tls_port="${KVITT_AMQPS_PORT:-}"
tls_dir="${KVITT_TLS_DIR:-$state/tls}"

export RABBITMQ_NODENAME="$node@localhost"
# The inter-node (and CLI) port follows the AMQP port as RabbitMQ's own default does (AMQP + 20000), so that two
# nodes on different AMQP ports do not clash.
export RABBITMQ_NODE_PORT="$port"
export RABBITMQ_DIST_PORT="$((port + 20000))"
export RABBITMQ_CONFIG_FILE="$state/rabbitmq"
export RABBITMQ_MNESIA_BASE="$state/mnesia"
export RABBITMQ_LOG_BASE="$state/log"
export RABBITMQ_PID_FILE="$state/rabbitmq.pid"
export RABBITMQ_ENABLED_PLUGINS_FILE="$state/enabled_plugins"
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

ping_node() { rabbitmq-diagnostics -q ping >/dev/null 2>&1; }

case "${1:-}" in
start)
    if ping_node; then echo "broker: already running on 127.0.0.1:$port"; exit 0; fi
    mkdir -p "$state/mnesia" "$state/log"
    cat >"$state/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$port
loopback_users = none
log.console = false
log.file.level = warning
CONF
    if [ -n "$tls_port" ]; then
        bash "$root/compose/rabbitmq/make-test-certificates.sh" "$tls_dir" >/dev/null
        # The broker's copies, where the rabbitmq user can read them whatever KVITT_TLS_DIR is.
        mkdir -p "$state/tls-server"
        cp "$tls_dir/ca.pem" "$tls_dir/server.pem" "$tls_dir/server.key" "$state/tls-server/"
        cat >>"$state/rabbitmq.conf" <<CONF
listeners.ssl.default = 127.0.0.1:$tls_port
ssl_options.cacertfile = $state/tls-server/ca.pem
ssl_options.certfile = $state/tls-server/server.pem
ssl_options.keyfile = $state/tls-server/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
ssl_options.versions.1 = tlsv1.3
ssl_options.versions.2 = tlsv1.2
CONF
    fi
    echo "[]." >"$state/enabled_plugins"
    chown -R rabbitmq:rabbitmq "$state" 2>/dev/null || true
    # Every connection costs the broker a file descriptor, and the whole
    # suite holds several hundred at once; at a 1024 soft limit Ranch stops
    # accepting and logins time out. Raise it to the hard limit, as RabbitMQ's
    # networking guide asks (https://www.rabbitmq.com/docs/networking#open-file-handle-limit).
    # Debian's wrapper switches to the rabbitmq user through su, whose PAM
    # session resets the limit to 1024, so as root set it after the switch.
    if [ "$(id -u)" = 0 ] && id -u rabbitmq >/dev/null 2>&1; then
        (cd /var/lib/rabbitmq && su rabbitmq -s /bin/sh -c \
            'ulimit -n "$(ulimit -Hn)"; exec /usr/lib/rabbitmq/bin/rabbitmq-server -detached') >/dev/null 2>&1 || true
    else
        (ulimit -n "$(ulimit -Hn)" 2>/dev/null; rabbitmq-server -detached) >/dev/null 2>&1 || true
    fi
    for _ in $(seq 1 120); do
        ping_node && break
        sleep 0.5
    done
    rabbitmqctl await_startup --timeout 60 >/dev/null
    echo "broker: running on 127.0.0.1:$port (state in $state)"
    if [ -n "$tls_port" ]; then echo "broker: TLS on 127.0.0.1:$tls_port (CA and client certificate in $tls_dir)"; fi
    ;;
stop)
    if ping_node; then rabbitmqctl shutdown >/dev/null 2>&1 || true; fi
    epmd -kill >/dev/null 2>&1 || true
    echo "broker: stopped"
    ;;
reset)
    # A fresh node: no queues, exchanges or users left over from earlier (perhaps interrupted) runs.
    "$0" stop >/dev/null
    rm -rf "$state/mnesia"
    exec "$0" start
    ;;
status)
    if ping_node; then echo "broker: running"; else echo "broker: stopped"; exit 1; fi
    ;;
ctl)
    shift
    rabbitmqctl "$@"
    ;;
*)
    echo "usage: $0 start|stop|reset|status|ctl ARGS" >&2
    exit 2
    ;;
esac
