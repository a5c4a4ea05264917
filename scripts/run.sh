#!/usr/bin/env bash
# The run command: install what is missing, start the project-local broker, build the services in release mode,
# start each one as its own process with its own database under .run/demo (and a local mail catcher for delivery's
# e-mails), load the demo workload from seeds/ through the broker as an upstream system would, print a summary, and
# keep running with the services' logs until Ctrl-C, which stops everything cleanly.
#
# DEMO_SMTP_PORT (default 2525) is the mail catcher's port on 127.0.0.1: Python's aiosmtpd (installed by
# scripts/install-deps.sh), which keeps every mail delivery sends as a file in .run/demo/mail/new (a Maildir).
set -euo pipefail
cd "$(dirname "$0")/.."
services=(invoicing payment-matching debt-collection tax-reduction delivery)
declare -A port=([invoicing]=8081 [payment-matching]=8082 [debt-collection]=8083 [tax-reduction]=8084 [delivery]=8085)
smtp_port="${DEMO_SMTP_PORT:-2525}"
# Whether something accepts connections on a loopback port.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Before anything is built or deleted: a demo that is still running keeps its data.
for service in "${services[@]}"; do
    if curl -fs "http://127.0.0.1:${port[$service]}/health/live" >/dev/null 2>&1; then
        echo "port ${port[$service]} ($service) is already in use: is another demo still running? Stop it first." >&2
        exit 1
    fi
done
if listening "$smtp_port"; then
    echo "port $smtp_port (the demo's mail catcher) is already in use: stop what listens there or set DEMO_SMTP_PORT." >&2
    exit 1
fi
scripts/install-deps.sh
scripts/broker.sh start
echo "building (release)…"
swift build -c release 2>&1 | tail -1
bin=.build/release
demo=.run/demo
rm -rf "$demo"
# Not $demo/mail: the mail catcher makes it a Maildir (tmp/, new/, cur/) only when it does not exist yet.
mkdir -p "$demo/data" "$demo/logs" "$demo/print-outbox" "$demo/peppol-outbox"
export AMQP_URL="amqp://guest:guest@127.0.0.1:${KVITT_AMQP_PORT:-5672}/"
# kvitt clock moves every service in this list, delivery's included, so that all of them agree on the date.
KVITT_SERVICE_URLS=$(for service in "${services[@]}"; do printf 'http://127.0.0.1:%s,' "${port[$service]}"; done)
export KVITT_SERVICE_URLS="${KVITT_SERVICE_URLS%,}"
pids=()
# The mail catcher first, so that delivery's first e-mail finds it: aiosmtpd's Mailbox handler writes each mail it
# accepts to $demo/mail (a Maildir: one file per mail in new/). No TLS on loopback, hence SMTP_STARTTLS=off below.
python3 -m aiosmtpd -n -c aiosmtpd.handlers.Mailbox -l "127.0.0.1:$smtp_port" "$demo/mail" \
    >"$demo/logs/mail-catcher.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
    listening "$smtp_port" && break
    sleep 0.1
done
if ! listening "$smtp_port"; then
    kill "${pids[0]}" 2>/dev/null || true
    echo "the mail catcher did not start; see $demo/logs/mail-catcher.log" >&2
    exit 1
fi
for service in "${services[@]}"; do
    # The demo's own environment allows clock control (time travel); a production configuration refuses it.
    # The demo's rate table goes on past the published rates (marked as assumed in the file), so that its time travel
    # charges interest instead of holding the case for a missing half-year. Delivery's settings are ignored by the
    # other services.
    KVITT_ENVIRONMENT=demo CLOCK_CONTROL=on REFERENCE_RATES_FILE=seeds/demo/reference-rates-demo.txt \
        DATABASE_PATH="$demo/data/$service.sqlite" HTTP_PORT="${port[$service]}" LOG_LEVEL=info \
        SMTP_HOST=127.0.0.1 SMTP_PORT="$smtp_port" SMTP_STARTTLS=off SMTP_FROM=faktura@demo-bygg.se \
        PRINT_DIRECTORY="$demo/print-outbox" PEPPOL_DIRECTORY="$demo/peppol-outbox" \
        "$bin/$service" >"$demo/logs/$service.log" 2>&1 &
    pids+=($!)
done
stop_all() {
    trap "" INT TERM
    trap - EXIT
    echo
    echo "stopping services…"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    scripts/broker.sh stop
}
trap stop_all EXIT
trap 'exit 0' INT TERM

for service in "${services[@]}"; do
    for _ in $(seq 1 100); do
        curl -fs "http://127.0.0.1:${port[$service]}/health/ready" >/dev/null 2>&1 && break
        sleep 0.2
    done
    echo "$service: ready on http://127.0.0.1:${port[$service]}"
done

kvitt() { "$bin/kvitt" "$@" >/dev/null; }
api() { curl -fs "http://127.0.0.1:${port[$1]}$2"; }
publish_json() { # TYPE JSON
    local file="$demo/message-$RANDOM.json"
    printf '%s' "$2" >"$file"
    kvitt publish "$1" --file "$file"
}

echo "loading the demo workload…"
kvitt publish invoicing.register-creditor.v1 --file seeds/demo/01-register-creditor.json
sleep 1
for file in seeds/demo/0[2-9]-*.json seeds/demo/1[0-9]-*.json; do kvitt publish invoicing.create-invoice.v1 --file "$file"; done

# Wait for the nine drafts, and for tax-reduction's answer on the ROT and RUT ones.
for _ in $(seq 1 100); do
    count=$(api invoicing "/v1/invoices?creditor=demo-bygg&status=draft" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
    allocated=$(api invoicing "/v1/invoices?creditor=demo-bygg&status=draft" | python3 -c '
import json, sys
print(sum(1 for i in json.load(sys.stdin)["items"] if (i.get("taxReduction") or {}).get("state") == "allocated"))')
    [ "$count" -ge 9 ] && [ "$allocated" -ge 2 ] && break
    sleep 0.2
done
for id in $(api invoicing "/v1/invoices?creditor=demo-bygg&status=draft" | python3 -c '
import json, sys
for invoice in sorted(json.load(sys.stdin)["items"], key=lambda i: i["externalID"]): print(invoice["id"])'); do
    publish_json invoicing.attest-invoice.v1 "{\"invoiceID\": \"$id\"}"
    sleep 0.3
done
for _ in $(seq 1 100); do
    issued=$(api invoicing "/v1/invoices?creditor=demo-bygg&status=issued" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
    [ "$issued" -ge 9 ] && break
    sleep 0.2
done
sleep 1

# The bank file: exact, partial, over, unmatched and a two-invoice payment, from the issued OCR references.
api invoicing "/v1/invoices?creditor=demo-bygg" >"$demo/invoices.json"
python3 - "$demo/invoices.json" "$demo/bankgiro.txt" <<'PY'
import datetime, json, sys
invoices = {i["externalID"]: i for i in json.load(open(sys.argv[1]))["items"]}
today = datetime.date.today().strftime("%Y%m%d")
def pad(text, n, right=False, fill=" "):
    return text.rjust(n, fill) if right else text.ljust(n, fill)
def payment(reference, ore, code, serial, record="20"):
    return pad(record + "0" * 10 + pad(reference, 25, right=(code == 2)) + str(ore).rjust(18, "0") + str(code) + "1"
               + str(serial).rjust(12, "0") + "0", 80)
def due(ext): return invoices[ext]["amountDue"]["amount"]
def ocr(ext): return invoices[ext]["ocr"]
records = [
    payment(ocr("demo-1001"), due("demo-1001"), 2, 1),
    payment(ocr("demo-1002"), due("demo-1002") // 2, 2, 2),
    payment(ocr("demo-1003"), due("demo-1003") + 50000, 2, 3),
    payment("99999999", 25000, 3, 4),
    payment(ocr("demo-1005") + " " + ocr("demo-1006"), due("demo-1005") + due("demo-1006"), 3, 5),
    pad("22" + "0" * 10 + pad(ocr("demo-1005"), 25, right=True) + "0" * 18 + "21" + "5".rjust(12, "0") + "0", 80),
    pad("22" + "0" * 10 + pad(ocr("demo-1006"), 25, right=True) + "0" * 18 + "21" + "5".rjust(12, "0") + "0", 80),
    pad("26Anna Andersson", 80),
]
total = due("demo-1001") + due("demo-1002") // 2 + due("demo-1003") + 50000 + 25000 + due("demo-1005") + due("demo-1006")
lines = [pad("01BGMAX               01" + today + "063012123456P", 80), pad("050050501055          SEK", 80)] + records
lines += ["15" + "0" * 35 + today + "00001" + str(total).rjust(18, "0") + "SEK" + "5".rjust(8, "0") + " ",
          pad("70" + "5".rjust(8, "0") + "0" * 8 + "2".rjust(8, "0") + "1".rjust(8, "0"), 80)]
open(sys.argv[2], "w", encoding="latin-1").write("\r\n".join(lines) + "\r\n")
PY
"$bin/kvitt" bgmax show "$demo/bankgiro.txt" | head -3
kvitt import-bgmax "$demo/bankgiro.txt"
foreign=$(python3 -c 'import json,sys; i={x["externalID"]:x for x in json.load(open(sys.argv[1]))["items"]}["demo-1004"]; print(i["ocr"], i["amountDue"]["amount"])' "$demo/invoices.json")
publish_json payment-matching.register-payment.v1 "{\"source\": \"card\", \"sourceID\": \"card-demo-1\", \"amount\": {\"amount\": ${foreign#* }, \"currency\": \"EUR\"}, \"paymentDate\": \"$(date +%F)\", \"reference\": \"${foreign% *}\", \"creditorID\": \"demo-bygg\"}"
# Credits: demo-1002 was half paid; crediting one of its two hours settles the rest. The bakery's standalone credit
# (K) is applied to its new invoice.
byext() { python3 -c 'import json,sys; print({x["externalID"]:x for x in json.load(open(sys.argv[1]))["items"]}[sys.argv[2]]["id"])' "$demo/invoices.json" "$1"; }
publish_json invoicing.create-credit-invoice.v1 "{\"originalInvoiceID\": \"$(byext demo-1002)\", \"externalID\": \"demo-1002-k\", \"lines\": [{\"lineIndex\": 0, \"quantity\": \"1\"}], \"reason\": \"En timme för mycket\"}"
for _ in $(seq 1 50); do
    credit=$(api invoicing "/v1/invoices?creditor=demo-bygg&status=draft" | python3 -c '
import json, sys
print(next((i["id"] for i in json.load(sys.stdin)["items"] if i["externalID"] == "demo-1002-k"), ""))')
    [ -n "$credit" ] && break
    sleep 0.2
done
publish_json invoicing.attest-invoice.v1 "{\"invoiceID\": \"$credit\"}"
publish_json invoicing.apply-credit.v1 "{\"creditInvoiceID\": \"$(byext demo-k1)\", \"debitInvoiceID\": \"$(byext demo-1008)\"}"
sleep 1
publish_json tax-reduction.generate-claim-file.v1 "{\"creditorID\": \"demo-bygg\", \"kind\": \"rot\", \"year\": $(date +%Y), \"name\": \"Demo ROT\"}"
sleep 2

# Time travel: demo-1007 is never paid. Move every service's clock to the case's next step, three times (reminder,
# collection letter, the creditor's decision), then answer the decision so the Kronofogden application is prepared.
overdue=$(python3 -c 'import json,sys; print({x["externalID"]:x for x in json.load(open(sys.argv[1]))["items"]}["demo-1007"]["id"])' "$demo/invoices.json")
# Its debtor asks for e-mail: the letters that follow go to the mail catcher instead of the print outbox (as does the
# invoice itself, if delivery has not printed it yet).
publish_json invoicing.change-debtor-contact.v1 "{\"invoiceID\": \"$overdue\", \"email\": \"carl.carlsson@example.se\", \"preferredChannel\": \"email\"}"
sleep 1
case_steps='
import json, sys
steps = [e["date"] + ": " + e["detail"] for e in json.load(sys.stdin)["history"]
         if e["event"] not in ("document-delivered", "delivery-failed")]
print(steps[-1] if sys.argv[1:] == ["last"] else len(steps))'
echo "time travel for invoice demo-1007 (unpaid):"
for _ in 1 2 3; do
    days=$(api debt-collection "/v1/cases/$overdue" | python3 -c '
import datetime, json, sys, urllib.request
from zoneinfo import ZoneInfo
case = json.load(sys.stdin)
clock = json.load(urllib.request.urlopen("http://127.0.0.1:8083/v1/clock"))
today = datetime.datetime.fromisoformat(clock["now"].replace("Z", "+00:00")).astimezone(
    ZoneInfo("Europe/Stockholm")).date()
print(max(1, (datetime.date.fromisoformat(case["nextDate"]) - today).days))')
    # The ladder's steps only: delivery's reports on the letters (document-delivered, delivery-failed) are history
    # entries too.
    steps=$(api debt-collection "/v1/cases/$overdue" | python3 -c "$case_steps")
    "$bin/kvitt" clock advance "${days}d" >/dev/null
    for _ in $(seq 1 50); do
        now=$(api debt-collection "/v1/cases/$overdue" | python3 -c "$case_steps")
        [ "$now" -gt "$steps" ] && break
        sleep 0.2
    done
    echo "  +${days} days: $(api debt-collection "/v1/cases/$overdue" | python3 -c "$case_steps" last)"
done
publish_json debt-collection.decide-enforcement.v1 "{\"invoiceID\": \"$overdue\", \"proceed\": true}"
sleep 1
echo "  creditor decided: $(api debt-collection "/v1/cases/$overdue" | python3 -c "$case_steps" last | cut -c1-160)"
"$bin/kvitt" clock show

echo
python3 scripts/demo-summary.py
# Delivery has no read API: what it sent is files. It renders with Chromium, so some may still be on their way.
echo "== delivery so far: $(find "$demo/mail/new" -type f 2>/dev/null | wc -l) e-mails in $demo/mail/new (the mail catcher)," \
    "$(find "$demo/print-outbox" -type f | wc -l) PDFs in $demo/print-outbox," \
    "$(find "$demo/peppol-outbox" -type f -name '*.xml' | wc -l) UBL invoices in $demo/peppol-outbox"
echo
echo "documents: http://127.0.0.1:8081/v1/invoices/<id>/document · dead letters: $bin/kvitt dead-letters list"
echo "the services keep running; their logs follow (Ctrl-C stops everything)"
tail -n 0 -f "$demo"/logs/*.log &
pids+=($!)
# Until Ctrl-C, or until any of them (a service, the mail catcher) stops: then everything stops.
wait -n "${pids[@]}" || true
