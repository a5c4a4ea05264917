/// The fixed words of the documents in each language; the templates show them as `{{l.key}}`.
enum DocumentLabels {
    static func table(_ language: DocumentLanguage) -> [String: String] {
        switch language {
        case .swedish: swedish
        case .english: english
        }
    }

    static let swedish: [String: String] = [
        "invoice": "Faktura",
        "credit-invoice": "Kreditfaktura",
        "reminder": "Påminnelse",
        "collection-letter": "Inkassokrav",
        "surveillance-letter": "Förnyat betalningskrav",
        "enforcement-application": "Ansökan om betalningsföreläggande – sammanställning",
        "creditor": "Borgenär",
        "collector": "Inkassoföretag",
        "organisationNumber": "Org.nr",
        "debtor": "Gäldenär",
        "identity": "Person-/org.nr",
        "invoiceNumber": "Fakturanummer",
        "invoiceDate": "Fakturadatum",
        "dueDate": "Förfallodag",
        "ocr": "OCR-nummer",
        "documentDate": "Datum",
        "description": "Beskrivning",
        "quantity": "Antal",
        "unitPrice": "À-pris",
        "vatRate": "Moms",
        "net": "Belopp exkl. moms",
        "vat": "Moms",
        "rounding": "Öresavrundning",
        "total": "Totalt",
        "taxReduction": "Skattereduktion (ROT/RUT) som Skatteverket betalar",
        "amountToPay": "Att betala",
        "payBy": "Betala senast",
        "paymentArea": "Inbetalning",
        "bankgiro": "Bankgiro",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Referens",
        "claim": "Fordran",
        "claimBasis": "Obetald faktura",
        "capital": "Kapitalbelopp (obetald faktura)",
        "legalBasis": "Grund",
        "interest": "Dröjsmålsränta",
        "interestBasis": "räntelagen (1975:635) 6 §: Riksbankens referensränta + 8 procentenheter",
        "period": "period",
        "settled": "Avgår: inbetalt och krediterat",
        "creditText": "Denna kreditfaktura minskar det du är skyldig. Du behöver inte betala något.",
        "reminderText":
            "Vi har ännu inte fått betalt för fakturan nedan. Betala det som återstår senast den dag som anges. Har du redan betalat kan du bortse från denna påminnelse.",
        "collectionText":
            "Fordran nedan är obetald trots att den har förfallit. Vi kräver dig på betalning av hela beloppet.",
        "ifNotPaid": "Om du inte betalar",
        "ifNotPaidText":
            "Betalar du inte och invänder du inte mot kravet före sista betalningsdagen kan borgenären ansöka om betalningsföreläggande hos Kronofogden. Då tillkommer ansökningsavgiften 300 kr, räntan fortsätter att löpa, och ett utslag kan leda till en betalningsanmärkning.",
        "dispute": "Om du inte håller med",
        "disputeText":
            "Anser du att kravet är felaktigt, helt eller delvis, ska du meddela det skriftligen före sista betalningsdagen och ange skälen. Ett bestritt krav drivs inte vidare utanför domstol eller Kronofogden förrän invändningen har prövats.",
        "contact": "Kontakt",
        "surveillanceText":
            "Fordran nedan är fortfarande obetald. Detta förnyade krav avbryter preskriptionen (preskriptionslagen 5 §). Betala det som återstår eller kontakta oss för en betalningsplan.",
        "applicationText":
            "Sammanställning för borgenären av ansökan om betalningsföreläggande. Ansökan lämnas in hos Kronofogden.",
        "fee-reminder": "Påminnelseavgift",
        "fee-collection-letter": "Inkassoavgift",
        "fee-installment-plan": "Avgift för avbetalningsplan",
        "fee-kronofogden-application": "Kronofogdens ansökningsavgift",
        "fee-late-payment-compensation": "Förseningsersättning",
        "selfCollection": "Borgenären driver själv indrivningen av fordran.",
    ]

    static let english: [String: String] = [
        "invoice": "Invoice",
        "credit-invoice": "Credit note",
        "reminder": "Payment reminder",
        "collection-letter": "Debt collection demand (inkassokrav)",
        "surveillance-letter": "Renewed demand for payment",
        "enforcement-application": "Application for an order to pay – summary",
        "creditor": "Creditor",
        "collector": "Collection agency",
        "organisationNumber": "Reg. no.",
        "debtor": "Debtor",
        "identity": "ID no.",
        "invoiceNumber": "Invoice number",
        "invoiceDate": "Invoice date",
        "dueDate": "Due date",
        "ocr": "Payment reference (OCR)",
        "documentDate": "Date",
        "description": "Description",
        "quantity": "Qty",
        "unitPrice": "Unit price",
        "vatRate": "VAT",
        "net": "Amount excl. VAT",
        "vat": "VAT",
        "rounding": "Rounding",
        "total": "Total",
        "taxReduction": "Tax reduction (ROT/RUT) paid by the Swedish Tax Agency",
        "amountToPay": "Amount to pay",
        "payBy": "Pay by",
        "paymentArea": "Payment",
        "bankgiro": "Bankgiro",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Reference",
        "claim": "Claim",
        "claimBasis": "Unpaid invoice",
        "capital": "Principal (unpaid invoice)",
        "legalBasis": "Legal basis",
        "interest": "Late-payment interest",
        "interestBasis": "Swedish Interest Act (1975:635) section 6: the Riksbank reference rate + 8 percentage points",
        "period": "period",
        "settled": "Less: paid and credited",
        "creditText": "This credit note reduces what you owe. You do not need to pay anything.",
        "reminderText":
            "We have not yet received payment for the invoice below. Please pay the remaining amount by the date given. If you have already paid, please disregard this reminder.",
        "collectionText":
            "The claim below is unpaid although it has fallen due. We demand payment of the full amount.",
        "ifNotPaid": "If you do not pay",
        "ifNotPaidText":
            "If you neither pay nor dispute the claim by the pay-by date, the creditor may apply to the Swedish Enforcement Authority (Kronofogden) for an order to pay. The application fee of SEK 300 is then added, interest continues to run, and an order may lead to a payment default record.",
        "dispute": "If you disagree",
        "disputeText":
            "If you believe the claim is wrong, in whole or in part, tell us in writing before the pay-by date and give your reasons. A disputed claim is not pursued out of court until the dispute has been settled.",
        "contact": "Contact",
        "surveillanceText":
            "The claim below is still unpaid. This renewed demand interrupts the limitation period (Swedish Limitation Act section 5). Please pay the remaining amount or contact us for a payment plan.",
        "applicationText":
            "Summary for the creditor of the application for an order to pay, to be filed with Kronofogden.",
        "fee-reminder": "Reminder fee",
        "fee-collection-letter": "Collection fee",
        "fee-installment-plan": "Installment plan fee",
        "fee-kronofogden-application": "Kronofogden application fee",
        "fee-late-payment-compensation": "Late-payment compensation",
        "selfCollection": "The creditor collects the claim itself.",
    ]
}
