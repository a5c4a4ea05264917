#!/usr/bin/env bash
# Creates (or updates) a service's broker user with least privilege on the vhost:
# - configure: its own queues (<service>, <service>.retry.*, <service>.dead-letter) and the two kvitt exchanges it
#   declares;
# - write: the kvitt exchanges (events, dead letters), its own queues (bindings) and the default exchange (retries
#   go to its own wait queues through it);
# - read: its own queues (consume) and the kvitt exchanges (bind).
# It can therefore consume only its own queues. Its publishing is not confined to its own queues: RabbitMQ checks
# write permission on the exchange a message is published to, not on the queue the default exchange delivers it to,
# so write on amq.default lets it publish to any queue of the vhost by name (another service's work queue included),
# and write on kvitt lets it publish any routing key there.
# Usage: grant.sh SERVICE PASSWORD [VHOST]   (RABBITMQCTL names the rabbitmqctl command; default: rabbitmqctl)
set -euo pipefail
service="$1"
password="$2"
vhost="${3:-/}"
ctl=${RABBITMQCTL:-rabbitmqctl}
escaped=$(printf '%s' "$service" | sed 's/[.]/\\./g')
own="${escaped}|${escaped}\\.retry\\..+|${escaped}\\.dead-letter"
exchanges="kvitt|kvitt\\.dead-letter"
$ctl add_user "$service" "$password" >/dev/null 2>&1 || $ctl change_password "$service" "$password" >/dev/null
$ctl set_permissions -p "$vhost" "$service" "^(${own}|${exchanges})\$" "^(${own}|${exchanges}|amq\\.default)\$" \
    "^(${own}|${exchanges})\$" >/dev/null
echo "granted $service on vhost $vhost"
