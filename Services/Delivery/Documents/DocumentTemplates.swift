/// The documents' Mustache templates, compiled into the executable as string constants: a service started from any
/// folder or container finds them, and no resource bundle lookup can fail at run time. `{{…}}` is escaped as HTML;
/// no template uses the unescaped `{{{…}}}` form, so nothing from an event reaches the page as markup.
enum DocumentTemplates {
    /// Template name → text; the document kinds' names are their wire names.
    static let all: [String: String] = [
        "style": style,
        "parties": parties,
        "payment": payment,
        "claim": claim,
        "invoice": invoice,
        "credit-invoice": invoice,
        "reminder": reminder,
        "collection-letter": collectionLetter,
        "surveillance-letter": surveillanceLetter,
        "enforcement-application": enforcementApplication,
    ]

    static let style = """
        <style>
        @page { size: A4; margin: 16mm 16mm 12mm 16mm; }
        body { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 10pt; color: #111; }
        h1 { font-size: 18pt; margin: 0 0 4mm 0; }
        h2 { font-size: 11pt; margin: 6mm 0 2mm 0; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 1mm 2mm; vertical-align: top; }
        td.amount, th.amount { text-align: right; white-space: nowrap; }
        tr.sum td { border-top: 1px solid #111; font-weight: bold; }
        .head { display: flex; justify-content: space-between; }
        .address { margin-top: 8mm; min-height: 28mm; }
        .facts td { padding: 0.5mm 2mm 0.5mm 0; }
        .small { font-size: 8.5pt; color: #333; }
        .payment { position: fixed; bottom: 0; left: 0; right: 0; border-top: 2px dashed #111; padding-top: 3mm; }
        .payment table td { font-size: 11pt; }
        </style>
        """

    static let parties = """
        <div class="head">
          <div>
            <strong>{{creditorName}}</strong><br>{{l.organisationNumber}} {{creditorOrganisationNumber}}
            {{#collector}}<br><br>{{l.collector}}: <strong>{{name}}</strong><br>{{l.organisationNumber}} {{organisationNumber}}{{/collector}}
          </div>
          <div><h1>{{title}}</h1>
            <table class="facts">
              <tr><td>{{l.documentDate}}</td><td>{{documentDate}}</td></tr>
              <tr><td>{{l.invoiceNumber}}</td><td>{{invoiceNumber}}</td></tr>
              <tr><td>{{l.ocr}}</td><td>{{ocr}}</td></tr>
            </table>
          </div>
        </div>
        <div class="address">
          {{debtorName}}<br>{{#debtorAddress}}{{line}}<br>{{/debtorAddress}}
          {{#debtorIdentity}}<span class="small">{{l.identity}} {{.}}</span>{{/debtorIdentity}}
        </div>
        """

    static let payment = """
        <div class="payment">
          <strong>{{l.paymentArea}}</strong>
          <table>
            <tr>
              {{#payment.bankgiro}}<td>{{l.bankgiro}}<br><strong>{{.}}</strong></td>{{/payment.bankgiro}}
              {{#payment.iban}}<td>{{l.iban}}<br><strong>{{.}}</strong></td>{{/payment.iban}}
              {{#payment.bic}}<td>{{l.bic}}<br><strong>{{.}}</strong></td>{{/payment.bic}}
              <td>{{l.ocr}}<br><strong>{{payment.reference}}</strong></td>
              <td>{{l.amountToPay}}<br><strong>{{amountToPay}}</strong></td>
              <td>{{l.payBy}}<br><strong>{{payBy}}</strong></td>
            </tr>
          </table>
        </div>
        """

    static let claim = """
        <h2>{{l.claim}}</h2>
        <p>{{l.claimBasis}} {{invoiceNumber}}, {{l.invoiceDate}} {{invoiceDate}}, {{l.dueDate}} {{dueDate}}.</p>
        <table>
          <tr><td>{{l.capital}}</td><td></td><td class="amount">{{amountDue}}</td></tr>
          {{#fees}}<tr><td>{{label}}</td><td class="small">{{#legalBasis}}{{l.legalBasis}}: {{legalBasis}}{{/legalBasis}}</td><td class="amount">{{amount}}</td></tr>{{/fees}}
          {{#interest}}<tr><td>{{l.interest}}</td><td class="small">{{l.interestBasis}}; {{l.period}} {{from}} – {{through}}</td><td class="amount">{{amount}}</td></tr>{{/interest}}
          {{#settled}}<tr><td>{{l.settled}}</td><td></td><td class="amount">−{{.}}</td></tr>{{/settled}}
          <tr class="sum"><td>{{l.amountToPay}}</td><td>{{l.payBy}} {{payBy}}</td><td class="amount">{{amountToPay}}</td></tr>
        </table>
        """

    static let invoice = """
        <!DOCTYPE html><html lang="{{lang}}"><head><meta charset="utf-8"><title>{{title}} {{invoiceNumber}}</title>{{> style}}</head><body>
        {{> parties}}
        <table class="facts">
          <tr><td>{{l.invoiceDate}}</td><td>{{invoiceDate}}</td><td>{{l.dueDate}}</td><td>{{dueDate}}</td></tr>
        </table>
        {{#isCredit}}<p>{{l.creditText}}</p>{{/isCredit}}
        <table>
          <tr><th>{{l.description}}</th><th class="amount">{{l.quantity}}</th><th class="amount">{{l.unitPrice}}</th><th class="amount">{{l.vatRate}}</th><th class="amount">{{l.net}}</th></tr>
          {{#lines}}<tr><td>{{description}}</td><td class="amount">{{quantity}} {{unit}}</td><td class="amount">{{unitPrice}}</td><td class="amount">{{vatRate}}</td><td class="amount">{{net}}</td></tr>{{/lines}}
          <tr class="sum"><td colspan="4">{{l.net}}</td><td class="amount">{{net}}</td></tr>
          {{#vat}}<tr><td colspan="4">{{l.vat}} {{rate}}</td><td class="amount">{{amount}}</td></tr>{{/vat}}
          {{#rounding}}<tr><td colspan="4">{{l.rounding}}</td><td class="amount">{{.}}</td></tr>{{/rounding}}
          <tr><td colspan="4">{{l.total}}</td><td class="amount">{{total}}</td></tr>
          {{#taxReduction}}<tr><td colspan="4">{{l.taxReduction}}</td><td class="amount">−{{.}}</td></tr>{{/taxReduction}}
          <tr class="sum"><td colspan="4">{{l.amountToPay}}</td><td class="amount">{{amountToPay}}</td></tr>
        </table>
        {{^isCredit}}{{> payment}}{{/isCredit}}
        </body></html>
        """

    static let reminder = """
        <!DOCTYPE html><html lang="{{lang}}"><head><meta charset="utf-8"><title>{{title}} {{invoiceNumber}}</title>{{> style}}</head><body>
        {{> parties}}
        <p>{{l.reminderText}}</p>
        {{> claim}}
        <p class="small">{{l.contact}}: {{collectorContact}}</p>
        {{> payment}}
        </body></html>
        """

    static let collectionLetter = """
        <!DOCTYPE html><html lang="{{lang}}"><head><meta charset="utf-8"><title>{{title}} {{invoiceNumber}}</title>{{> style}}</head><body>
        {{> parties}}
        <p>{{l.collectionText}}</p>
        <p class="small">{{l.creditor}}: {{creditorName}} ({{l.organisationNumber}} {{creditorOrganisationNumber}}).
        {{#collector}}{{l.collector}}: {{name}} ({{l.organisationNumber}} {{organisationNumber}}).{{/collector}}{{^collector}}{{l.selfCollection}}{{/collector}}</p>
        {{> claim}}
        <h2>{{l.ifNotPaid}}</h2>
        <p>{{l.ifNotPaidText}}</p>
        <h2>{{l.dispute}}</h2>
        <p>{{l.disputeText}}</p>
        <p>{{l.contact}}: {{collectorContact}}</p>
        {{> payment}}
        </body></html>
        """

    static let surveillanceLetter = """
        <!DOCTYPE html><html lang="{{lang}}"><head><meta charset="utf-8"><title>{{title}} {{invoiceNumber}}</title>{{> style}}</head><body>
        {{> parties}}
        <p>{{l.surveillanceText}}</p>
        {{> claim}}
        <h2>{{l.dispute}}</h2>
        <p>{{l.disputeText}}</p>
        <p>{{l.contact}}: {{collectorContact}}</p>
        {{> payment}}
        </body></html>
        """

    static let enforcementApplication = """
        <!DOCTYPE html><html lang="{{lang}}"><head><meta charset="utf-8"><title>{{title}} {{invoiceNumber}}</title>{{> style}}</head><body>
        {{> parties}}
        <p>{{l.applicationText}}</p>
        {{> claim}}
        <pre class="small">{{detail}}</pre>
        </body></html>
        """
}
