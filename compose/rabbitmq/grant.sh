#!/usr/bin/env bash
# Creates (or updates) a broker user and gives it exactly one role's rights on the vhost, from the table that
# `kvitt permissions` derives from the message catalogue (permissions.tsv beside this script; docs/security.md):
# - a service (invoicing, payment-matching, debt-collection, tax-reduction, delivery): configure and consume only its
#   own queues; publish on `kvitt` only its own events and the commands it sends, on `kvitt.retry` only into its own
#   wait queues; never on the default exchange; the shared exchanges it only checks (passive declares);
# - operator: read the dead-letter queues and kvitt.unrouted, republish (dead letters, unrouted events); no configure;
# - topology: declare every exchange, queue and binding (the one-shot `kvitt topology declare`); publishes nothing.
# Earlier rights of the user on the vhost (topic permissions included) are replaced, not added to.
# Usage: grant.sh USER PASSWORD [VHOST] [ROLE] [TABLE]
#   ROLE defaults to USER; TABLE to permissions.tsv beside this script. RABBITMQCTL names the rabbitmqctl command.
set -euo pipefail
user="$1"
password="$2"
vhost="${3:-/}"
role="${4:-$user}"
table="${5:-$(dirname "$0")/permissions.tsv}"
ctl=${RABBITMQCTL:-rabbitmqctl}
if ! grep -q "^permissions	${role}	" "$table"; then
    echo "grant.sh: no role '$role' in $table" >&2
    exit 2
fi
if ! $ctl add_user "$user" "$password" >/dev/null 2>&1; then
    # An existing user: its tags (an earlier setup made the operator an administrator) and topic permissions go.
    $ctl change_password "$user" "$password" >/dev/null
    $ctl set_user_tags "$user" >/dev/null
    $ctl clear_topic_permissions -p "$vhost" "$user" >/dev/null 2>&1 || true
fi
# The table is read on descriptor 3: rabbitmqctl reads its standard input, and would swallow the rest of it.
while IFS=$'\t' read -r -u 3 kind name first second third; do
    [ "$name" = "$role" ] || continue
    case "$kind" in
    permissions) $ctl set_permissions -p "$vhost" "$user" "$first" "$second" "$third" >/dev/null ;;
    topic) $ctl set_topic_permissions -p "$vhost" "$user" "$first" "$second" "$third" >/dev/null ;;
    esac
done 3< <(grep -v '^#' "$table")
echo "granted $user the rights of $role on vhost $vhost"
