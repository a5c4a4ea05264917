#!/usr/bin/env bash
# One-shot broker setup for compose: the kvitt vhost, one user per service, the operator and the topology user
# (passwords from the compose secrets in /run/secrets, <user>_amqp_password with '_' for '-'; else from the
# environment, <USER>_AMQP_PASSWORD), each with the least rights of permissions.tsv (docs/security.md), and no guest.
# Runs in the rabbitmq image against the broker container.
set -euo pipefail
password_of() {
    local name
    name="$(echo "$1" | tr '-' '_')_amqp_password"
    if [ -r "/run/secrets/$name" ]; then
        # One trailing newline, as echo and editors leave, is not part of the password (the services trim it too).
        local value
        value="$(cat "/run/secrets/$name")"
        printf '%s' "${value%$'\r'}"
    else
        local variable
        variable="$(echo "$name" | tr 'a-z' 'A-Z')"
        printf '%s' "${!variable:?neither /run/secrets/$name nor $variable is set}"
    fi
}
export RABBITMQCTL="rabbitmqctl -n rabbit@rabbitmq"
until $RABBITMQCTL await_startup >/dev/null 2>&1; do sleep 1; done
$RABBITMQCTL add_vhost kvitt >/dev/null 2>&1 || true
for user in invoicing payment-matching debt-collection tax-reduction delivery operator; do
    /setup/grant.sh "$user" "$(password_of "$user")" kvitt
done
# The one-shot `kvitt topology declare` logs in as topology: declaring a queue that dead-letters needs read on it,
# which the operator must not have on the services' work queues.
/setup/grant.sh topology "$(password_of topology)" kvitt
$RABBITMQCTL delete_user guest >/dev/null 2>&1 || true
# kvitt.unrouted is the alternate exchange of kvitt: a message no queue is bound to is kept there instead of being
# returned (docs/topology.md). A policy rather than an exchange argument, so that an existing kvitt exchange, and
# every client that declares it without arguments, keep working.
$RABBITMQCTL set_policy -p kvitt --apply-to exchanges kvitt-unrouted '^kvitt$' '{"alternate-exchange":"kvitt.unrouted"}' \
    >/dev/null
# RabbitMQ 4.x gives every quorum queue a delivery limit of 20, and listing dead letters returns them with a requeue,
# which counts: without this a dead letter listed twenty times would be dropped. The work queues set their own limit.
$RABBITMQCTL set_policy -p kvitt --apply-to queues kvitt-dead-letters '\.dead-letter$' '{"delivery-limit":1000000}' \
    >/dev/null
echo "broker ready: vhost kvitt, users per service, operator and topology with least rights, no guest, kvitt.unrouted as kvitt's alternate exchange"
