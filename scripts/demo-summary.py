#!/usr/bin/env python3
"""Prints the demo's summary from the services' read APIs: invoices, unmatched and overpaid payments, collection
cases and claim files."""
import json
import urllib.request

PORTS = {"invoicing": 8081, "payment-matching": 8082, "debt-collection": 8083, "tax-reduction": 8084}


def get(service, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{PORTS[service]}{path}", timeout=5) as response:
        return json.load(response)


def items(service, path):
    """Every item of a list, page by page (each list answers {"items", "limit", "offset", "nextOffset"})."""
    found, offset = [], 0
    separator = "&" if "?" in path else "?"
    while offset is not None:
        page = get(service, f"{path}{separator}limit=5000&offset={offset}")
        found += page["items"]
        offset = page["nextOffset"]
    return found


def kr(money):
    return f"{money['amount'] / 100:>12,.2f} {money['currency']}".replace(",", " ")


def main():
    print("== invoices (number, external id, status, colour, total, amount due, balance, debtor)")
    for invoice in sorted(items("invoicing", "/v1/invoices?creditor=demo-bygg"), key=lambda i: i["externalID"]):
        reduction = invoice.get("taxReduction") or {}
        extra = f"  {reduction['request']['kind'].upper()} {kr(reduction['amount'])}" if reduction else ""
        print(
            f"{invoice['number'] or '-':>6}  {invoice['externalID']:<10} {invoice['status']:<7} {invoice['colour']:<7}"
            f" {kr(invoice['totals']['total'])}  due {kr(invoice['amountDue'])}  balance {kr(invoice['balance'])}"
            f"  {invoice['debtor']['name']}{extra}"
        )
    print("== unmatched payments (Omatchade betalningar)")
    for payment in items("payment-matching", "/v1/payments/unmatched"):
        print(f"  {payment['sourceID']}  {kr(payment['amount'])}  reference {payment['reference']}")
    print("== overpayments")
    for payment in items("payment-matching", "/v1/payments/overpayments"):
        print(f"  {payment['sourceID']}  {kr(payment['unapplied'])} to link or refund")
    print("== collection cases")
    for case in items("debt-collection", "/v1/cases?status=open"):
        print(
            f"  invoice {case['invoiceNumber']}: outstanding {kr(case['outstanding'])}"
            f" (fees {kr(case['fees'])}, interest {kr(case['interest'])}),"
            f" next {case.get('nextStep', 'none')} on {case.get('nextDate', '-')}"
        )
        for entry in case["history"]:
            print(f"      {entry['date']}: {entry['detail']}")
    held = [case for case in items("debt-collection", "/v1/cases?status=held")]
    for case in held:
        print(f"  held: invoice {case['invoiceNumber']}: {case['held']['reason']} ({case['held']['detail']})")
    print("== ROT/RUT claim files")
    for claim_file in items("tax-reduction", "/v1/claim-files"):
        print(
            f"  {claim_file['name']} ({claim_file['kind']} {claim_file['year']}), deadline {claim_file['deadline']}:"
            f" http://127.0.0.1:8084{claim_file['downloadPath']}"
        )


if __name__ == "__main__":
    main()
