import Foundation
import KvittContracts
import KvittTesting
import Testing

/// ROT and RUT through the four real executables: tax-reduction allocates each invoice's reduction per buyer within
/// the annual caps (or rejects it, which blocks the invoice), the buyers pay their part, the claims become
/// requestable, Skatteverket's V6 claim file is generated and downloaded, and Skatteverket's decision is recorded,
/// with what a buyer owes when less is approved than was claimed.
@Suite("End to end: ROT and RUT")
struct TaxReductionFlowTests {
    /// One buyer's claim as `GET /v1/claims` shows it (the buyer masked).
    typealias Claim = BooksAudit.Claim

    /// A buyer's use of the annual caps, as `POST /v1/buyers/usage` answers it.
    struct CapUsage: Decodable, Sendable {
        var rot: Money
        var rut: Money
        var total: Money
        var remaining: Money
        var remainingROT: Money
    }

    /// A deck for two buyers who own the house together: labour 40 h × 600 kr + VAT = 30 000 kr, timber 6 250 kr.
    static func deck(_ creditor: String, _ externalID: String, date: CalendarDate, property: String) -> CreateInvoice {
        Fixture.invoice(
            creditor,
            externalID,
            debtor: Fixture.anna,
            date: date,
            lines: [
                Fixture.labour("Altanbygge", hours: "40", unitPrice: 60_000, kind: "rot", workType: "Bygg"),
                Fixture.line("Virke och beslag", "1", unitPrice: 500_000),
            ],
            taxReduction: .init(
                buyers: ["19811218-9876", "19121212-1212"],
                hoursToReport: 40,
                propertyDesignation: property
            )
        )
    }

    @Test func allocationPaymentClaimFileAndDecision() async throws {
        let system = try await RunningSystem.start("rot-rut")
        let recorder = system.recorder
        let creditor = "rotrut"
        try await system.register(Fixture.creditor(creditor, name: "Snickeri & Städ i Uppsala AB"))
        let today = try await system.businessDate()

        // ROT for two buyers who own the house together: labour 40 h × 600 kr + VAT = 30 000 kr, timber on top.
        let rot = Self.deck(creditor, "altan-77", date: today, property: "Uppsala Kåbo 1:1")
        // RUT for one buyer: 10 h cleaning × 400 kr + VAT = 5 000 kr.
        let rut = Fixture.invoice(
            creditor,
            "stad-19",
            debtor: Fixture.bo,
            date: today,
            lines: [Fixture.labour("Hemstädning", hours: "10", unitPrice: 40_000, kind: "rut", workType: "Stadning")],
            taxReduction: .init(buyers: ["19800101-0019"], hoursToReport: 10)
        )
        // A bathroom so large that 30 % of it is more than the 50 000 kr a buyer may have in ROT in a year.
        let large = Fixture.invoice(
            creditor,
            "badrum-3",
            debtor: Fixture.bo,
            date: today,
            lines: [
                Fixture.labour("Badrumsrenovering", hours: "160", unitPrice: 100_000, kind: "rot", workType: "Vvs")
            ],
            taxReduction: .init(
                buyers: ["19800101-0019"],
                hoursToReport: 160,
                propertyDesignation: "Solna Råsunda 4:12"
            )
        )
        // RUT for a buyer who is 11 years old in the payment year.
        let minor = Fixture.invoice(
            creditor,
            "stad-20",
            debtor: Fixture.anna,
            date: today,
            lines: [Fixture.labour("Hemstädning", hours: "2", unitPrice: 40_000, kind: "rut", workType: "Stadning")],
            taxReduction: .init(buyers: ["20150101-0019"], hoursToReport: 2)
        )
        let rotDraft = try await system.createDraft(rot)
        let rutDraft = try await system.createDraft(rut)
        let largeDraft = try await system.createDraft(large)
        let minorDraft = try await system.createDraft(minor)
        #expect(rotDraft.taxReduction?.labourCostIncludingVAT == sek(3_000_000))
        #expect(rotDraft.totals.total == sek(3_625_000), "labour 30 000 kr and timber 6 250 kr, VAT included")

        // ROT 30 % of the labour, split evenly: 4 500 kr and 20 hours for each buyer.
        let rotShares = try #require(
            await recorder.wait(for: ReductionAllocated.self) { $0.invoiceID == rotDraft.invoiceID }
        )
        #expect(rotShares.kind == "rot")
        #expect(rotShares.total == sek(900_000))
        #expect(rotShares.buyers.map(\.personnummer) == ["198112189876", "191212121212"])
        #expect(rotShares.buyers.map(\.amount) == [sek(450_000), sek(450_000)])
        #expect(rotShares.buyers.map(\.hours) == [20, 20])
        #expect(rotShares.buyers.allSatisfy { $0.capWarning == nil })
        // RUT 50 %.
        let rutShares = try #require(
            await recorder.wait(for: ReductionAllocated.self) { $0.invoiceID == rutDraft.invoiceID }
        )
        #expect(rutShares.kind == "rut" && rutShares.total == sek(250_000))
        // The cap cuts the large ROT to 50 000 kr and says so; invoicing shows the warning.
        let capped = try #require(
            await recorder.wait(for: ReductionAllocated.self) { $0.invoiceID == largeDraft.invoiceID }
        )
        #expect(capped.total == sek(5_000_000), "30 % of 200 000 kr would be 60 000 kr")
        #expect(capped.buyers.first?.capWarning?.contains("19800101-****") == true)
        #expect(capped.buyers.first?.capWarning?.contains("0019") == false, "the personnummer is masked")
        let cappedDraft = await system.read(
            BooksAudit.Invoice.self,
            "invoicing",
            "/v1/invoices/\(largeDraft.invoiceID)"
        ) { $0.taxReduction?.state == "allocated" }
        #expect(cappedDraft?.taxReduction?.amount == sek(5_000_000))
        #expect(cappedDraft?.taxReduction?.detail?.contains("capped") == true)
        let usage = try? await BooksAudit.read(
            CapUsage.self,
            port: system.port("tax-reduction"),
            path: "/v1/buyers/usage",
            // Until the buyer pays, the allocation counts against the year of the due date, when payment is expected.
            json: #"{"personnummer": "198001010019", "year": \#(largeDraft.dueDate.year)}"#,
            timeout: 5
        )
        #expect(usage?.rot == sek(5_000_000) && usage?.rut == sek(250_000))
        #expect(usage?.remaining == sek(2_250_000), "75 000 kr in all, less 52 500 kr")
        #expect(usage?.remainingROT == sek(0))

        // A buyer under 18 is refused: the invoice is blocked from attest with the reason.
        let refused = try #require(
            await recorder.wait(for: ReductionRejected.self) { $0.invoiceID == minorDraft.invoiceID }
        )
        #expect(refused.reason.contains("under 18"))
        #expect(refused.errors.map(\.field) == ["taxReduction.buyers[0]"])
        #expect(!refused.reason.contains("0019"), "the personnummer is masked")
        let blocked = await system.read(
            BooksAudit.Invoice.self,
            "invoicing",
            "/v1/invoices/\(minorDraft.invoiceID)"
        ) { $0.taxReduction?.state == "rejected" }
        #expect(blocked?.taxReduction?.detail?.contains("under 18") == true)
        let attestMinorID = UUID().uuidString
        try await system.send(AttestInvoice(invoiceID: minorDraft.invoiceID), id: attestMinorID)
        let notAttested = try #require(
            await recorder.wait(for: InvoicingCommandRejected.self) { $0.rejection.commandID == attestMinorID }
        )
        #expect(notAttested.rejection.errors.first?.message.contains("blocked") == true)
        #expect(await system.invoice(minorDraft.invoiceID)?.status == "draft")

        // A company cannot have ROT or RUT: invoicing refuses such an invoice outright.
        let companyID = UUID().uuidString
        try await system.send(
            Fixture.invoice(
                creditor,
                "stad-kontor",
                debtor: Fixture.kundAB,
                date: today,
                lines: [
                    Fixture.labour("Kontorsstädning", hours: "8", unitPrice: 40_000, kind: "rut", workType: "Stadning")
                ],
                taxReduction: .init(buyers: ["19811218-9876"], hoursToReport: 8)
            ),
            id: companyID
        )
        let companyRefused = try #require(
            await recorder.wait(for: InvoicingCommandRejected.self) { $0.rejection.commandID == companyID }
        )
        #expect(companyRefused.rejection.errors.map(\.field).contains("debtor.kind"))

        // Attest once tax-reduction has answered: the buyers pay the total less the reduction.
        for draft in [rotDraft, rutDraft] {
            #expect(
                await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(draft.invoiceID)") {
                    $0.taxReduction?.state == "allocated"
                } != nil
            )
            try await system.send(AttestInvoice(invoiceID: draft.invoiceID))
        }
        let rotIssued = try #require(
            await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == rotDraft.invoiceID }
        )
        let rutIssued = try #require(
            await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == rutDraft.invoiceID }
        )
        #expect(rotIssued.taxReduction == sek(900_000))
        #expect(rotIssued.amountDue == sek(2_725_000), "36 250 kr less 9 000 kr ROT")
        #expect(rutIssued.amountDue == sek(250_000), "5 000 kr less 2 500 kr RUT")
        // Nothing can be claimed before the buyers have paid.
        let earlyID = UUID().uuidString
        try await system.send(
            GenerateClaimFile(creditorID: creditor, kind: "rot", year: today.year, name: "ROT \(today.year)"),
            id: earlyID
        )
        let early = try #require(
            await recorder.wait(for: TaxReductionCommandRejected.self) { $0.rejection.commandID == earlyID }
        )
        #expect(early.rejection.errors.map(\.field) == ["year"])

        // The buyers pay their part: ROT by bankgiro, RUT by Swish.
        try await system.send(
            RegisterPayment(
                source: "bankgiro",
                sourceID: "50501055-\(today)-77-1",
                amount: rotIssued.amountDue,
                paymentDate: today,
                reference: rotIssued.ocr,
                payer: .init(name: "Anna Andersson"),
                payeeBankgiro: "5050-1055"
            )
        )
        try await system.send(
            RegisterPayment(
                source: "swish",
                sourceID: "3C8E1F5A9B2D4E6F8A0B1C2D3E4F5A6B",
                amount: rutIssued.amountDue,
                paymentDate: today,
                reference: rutIssued.ocr,
                payer: .init(name: "Bo Berg"),
                creditorID: creditor
            )
        )
        for issued in [rotIssued, rutIssued] {
            #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == issued.invoiceID } != nil)
        }
        let paidFor: Set<String> = [rotIssued.invoiceID, rutIssued.invoiceID]
        let requestable = await system.list(Claim.self, "tax-reduction", "/v1/claims?status=requestable") {
            $0.filter { paidFor.contains($0.invoiceID) }.count == 3
        }
        #expect(requestable?.allSatisfy { $0.paymentDate == today.description && $0.year == today.year } == true)
        #expect(requestable?.contains { $0.invoiceID == largeDraft.invoiceID } == false, "the unpaid one waits")

        // Skatteverket's V6 file for ROT: both buyers of the paid invoice, in whole kronor.
        try await system.send(
            GenerateClaimFile(creditorID: creditor, kind: "rot", year: today.year, name: "ROT \(today.year)")
        )
        let rotFile = try #require(await recorder.wait(for: ClaimFileGenerated.self) { $0.kind == "rot" })
        #expect(rotFile.creditorID == creditor && rotFile.year == today.year)
        #expect(rotFile.deadline == CalendarDate(year: today.year + 1, month: 1, day: 31))
        #expect(Set(rotFile.claims.map(\.buyer)) == ["19811218-****", "19121212-****"])
        #expect(rotFile.claims.allSatisfy { $0.invoiceID == rotIssued.invoiceID && $0.requested == sek(450_000) })
        let xml = try await system.download("tax-reduction", rotFile.downloadPath)
        #expect(xml.status == 200)
        #expect(xml.contentType?.hasPrefix("application/xml") == true)
        let document = String(decoding: xml.bytes, as: UTF8.self)
        #expect(document.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"))
        #expect(document.contains("<RotBegaran"))
        #expect(document.contains("<NamnPaBegaran xmlns="))
        for buyer in ["198112189876", "191212121212"] { #expect(document.contains("<Kopare>\(buyer)</Kopare>")) }
        #expect(document.components(separatedBy: "<BegartBelopp>4500</BegartBelopp>").count == 3)
        #expect(document.contains("<PrisForArbete>15000</PrisForArbete>"), "each buyer's half of the labour")
        // Each buyer's ärende has half of the 40 hours, never all of them: the file's totals are the invoice's.
        #expect(document.components(separatedBy: "<AntalTimmar>20</AntalTimmar>").count == 3)
        #expect(document.components(separatedBy: "<Ovrigkostnad>0</Ovrigkostnad>").count == 3)
        #expect(document.contains("<BetaltBelopp>10500</BetaltBelopp>"), "what each buyer paid for the labour")
        #expect(document.contains("<BetalningsDatum>\(today)</BetalningsDatum>"))
        #expect(document.contains("<FakturaNr>\(rotIssued.invoiceNumber)</FakturaNr>"))
        #expect(document.contains("<Fastighetsbeteckning>Uppsala Kåbo 1:1</Fastighetsbeteckning>"))
        #expect(!document.contains("<Kopare>198001010019</Kopare>"), "RUT and ROT are never in one file")

        try await system.send(
            GenerateClaimFile(creditorID: creditor, kind: "rut", year: today.year, name: "RUT \(today.year)")
        )
        let rutFile = try #require(await recorder.wait(for: ClaimFileGenerated.self) { $0.kind == "rut" })
        #expect(rutFile.claims.map(\.requested) == [sek(250_000)])
        let rutDocument = try #require(await system.get("tax-reduction", rutFile.downloadPath)).body
        #expect(rutDocument.contains("<HushallBegaran"))
        #expect(rutDocument.contains("<Kopare>198001010019</Kopare>"))
        #expect(rutDocument.contains("<BegartBelopp>2500</BegartBelopp>"))
        let claimed = await system.list(Claim.self, "tax-reduction", "/v1/claims?status=claimed") { $0.count == 3 }
        #expect(claimed?.allSatisfy { $0.fileID == rotFile.fileID || $0.fileID == rutFile.fileID } == true)

        // Skatteverket approves one buyer in full and the other 500 kr less: that buyer owes the creditor 500 kr.
        let decision = RecordDecision(
            utforare: "165566778899",
            beslut: [
                .init(
                    namn: "ROT \(today.year)",
                    referensnummer: "\(today.year)0000185-01",
                    arenden: [
                        .init(
                            personnummer: "198112189876",
                            fakturanummer: rotIssued.invoiceNumber,
                            godkantBelopp: 4500
                        ),
                        .init(
                            personnummer: "191212121212",
                            fakturanummer: rotIssued.invoiceNumber,
                            godkantBelopp: 4000
                        ),
                    ]
                )
            ]
        )
        try await system.send(decision)
        let full = try #require(await recorder.wait(for: ClaimDecided.self) { $0.buyer == "198112189876" })
        let partial = try #require(await recorder.wait(for: ClaimDecided.self) { $0.buyer == "191212121212" })
        #expect(full.approved == sek(450_000) && full.owedByBuyer == sek(0))
        #expect(partial.requested == sek(450_000))
        #expect(partial.approved == sek(400_000))
        #expect(partial.owedByBuyer == sek(50_000))
        #expect(partial.invoiceID == rotIssued.invoiceID && partial.creditorID == creditor)
        #expect(partial.referenceNumber == "\(today.year)0000185-01")
        // Invoicing drafts the refused 500 kr for the creditor to attest, addressed to that buyer, without VAT.
        let remainder = try #require(
            await recorder.wait(for: InvoiceCreated.self) { $0.externalID == "skatteverket-\(partial.claimID)" }
        )
        #expect(remainder.totals.total == sek(50_000) && remainder.totals.vat.allSatisfy { $0.amount.isZero })
        #expect(remainder.debtor.identityNumber == "191212121212")
        #expect(remainder.lines.first?.line.description.contains(rotIssued.invoiceNumber) == true)
        #expect(recorder.messages(InvoiceCreated.self).filter { $0.externalID.hasPrefix("skatteverket-") }.count == 1)
        let decided = await system.list(Claim.self, "tax-reduction", "/v1/claims?status=decided") { $0.count == 2 }
        #expect(Set(decided?.compactMap(\.approved) ?? []) == [sek(450_000), sek(400_000)])
        // A decision is recorded once: the same decision again finds no claimed case and changes nothing.
        let againID = UUID().uuidString
        try await system.send(decision, id: againID)
        let again = try #require(
            await recorder.wait(for: TaxReductionCommandRejected.self) { $0.rejection.commandID == againID }
        )
        #expect(again.rejection.errors.count == 2)
        #expect(recorder.messages(ClaimDecided.self).count == 2)

        let violations = await system.booksViolations(creditor: creditor)
        #expect(violations.isEmpty, "\(violations)")
        await system.stop()
    }

    /// Crediting ROT work takes back the reduction that went with it: the buyer's amount due goes down by the labour
    /// less its reduction, the claims not yet sent ask Skatteverket for less, and once a claim is sent what a later
    /// credit takes back is a repayment the creditor owes Skatteverket.
    @Test func creditingROTWorkTakesBackItsReduction() async throws {
        let system = try await RunningSystem.start("rot-credit")
        let recorder = system.recorder
        let creditor = "rotkredit"
        try await system.register(Fixture.creditor(creditor, name: "Altanbyggarna i Sigtuna AB"))
        let today = try await system.businessDate()
        // Labour 40 h × 600 kr + VAT = 30 000 kr for two buyers, timber 6 250 kr: ROT 9 000 kr, 4 500 kr each.
        let draft = try await system.createDraft(
            Self.deck(creditor, "altan-12", date: today, property: "Sigtuna Märsta 2:4")
        )
        #expect(
            await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(draft.invoiceID)") {
                $0.taxReduction?.state == "allocated"
            } != nil
        )
        try await system.send(AttestInvoice(invoiceID: draft.invoiceID))
        let issued = try #require(await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == draft.invoiceID })
        #expect(issued.amountDue == sek(2_725_000))

        // 10 of the 40 hours are credited (7 500 kr of labour): the reduction left is 30 % of 22 500 kr = 6 750 kr,
        // so the credit takes back 2 250 kr of it and lowers what the buyer owes by 5 250 kr.
        /// Credits hours of the labour line and attests the credit.
        func credit(_ externalID: String, hours: String, reason: String) async throws -> InvoiceCredited {
            try await system.send(
                CreateCreditInvoice(
                    originalInvoiceID: issued.invoiceID,
                    externalID: externalID,
                    lines: [.init(lineIndex: 0, quantity: DecimalQuantity(hours)!)],
                    reason: reason
                )
            )
            let draft = try #require(await recorder.wait(for: InvoiceCreated.self) { $0.externalID == externalID })
            try await system.send(AttestInvoice(invoiceID: draft.invoiceID))
            return try #require(
                await recorder.wait(for: InvoiceCredited.self) { $0.creditInvoiceID == draft.invoiceID }
            )
        }
        let credited = try await credit("altan-12-kredit-1", hours: "10", reason: "10 timmar för mycket")
        #expect(credited.amount == sek(525_000))
        #expect(credited.taxReductionCredited == sek(225_000))
        #expect(credited.labourCredited == sek(750_000))
        let invoice = await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(issued.invoiceID)") {
            $0.credited == sek(525_000)
        }
        #expect(invoice?.balance == sek(2_200_000), "36 250 − 7 500 kr, less the 6 750 kr reduction that stands")
        // Each buyer's claim gives up half: 3 375 kr on 11 250 kr of labour and 15 hours.
        let lowered = await system.list(Claim.self, "tax-reduction", "/v1/claims?status=allocated") {
            $0.filter { $0.invoiceID == issued.invoiceID }.map(\.requested) == [sek(337_500), sek(337_500)]
        }
        #expect(lowered?.filter { $0.invoiceID == issued.invoiceID }.map(\.hours) == [15, 15])

        // The buyer pays what is left; the claims go into Skatteverket's file at the lowered amounts.
        try await system.send(
            RegisterPayment(
                source: "bankgiro",
                sourceID: "50501055-\(today)-12-1",
                amount: sek(2_200_000),
                paymentDate: today,
                reference: issued.ocr,
                payer: .init(name: "Anna Andersson"),
                payeeBankgiro: "5050-1055"
            )
        )
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == issued.invoiceID } != nil)
        #expect(
            await system.list(Claim.self, "tax-reduction", "/v1/claims?status=requestable") {
                $0.filter { $0.invoiceID == issued.invoiceID }.count == 2
            } != nil
        )
        try await system.send(
            GenerateClaimFile(creditorID: creditor, kind: "rot", year: today.year, name: "ROT altan \(today.year)")
        )
        let file = try #require(await recorder.wait(for: ClaimFileGenerated.self) { $0.creditorID == creditor })
        let document = try #require(await system.get("tax-reduction", file.downloadPath)).body
        #expect(document.components(separatedBy: "<BegartBelopp>3375</BegartBelopp>").count == 3)
        #expect(document.contains("<PrisForArbete>11250</PrisForArbete>"))
        #expect(document.contains("<BetaltBelopp>7875</BetaltBelopp>"), "11 250 kr of labour less 3 375 kr")

        // The rest of the labour is credited after the file was sent: nothing of the reduction stands, the buyer
        // gets back all but the timber, and the creditor owes Skatteverket the 6 750 kr it was asked for.
        let creditedAgain = try await credit("altan-12-kredit-2", hours: "30", reason: "Altanen byggdes aldrig klart")
        #expect(creditedAgain.taxReductionCredited == sek(675_000))
        #expect(creditedAgain.amount == sek(1_575_000), "22 500 kr of labour less 6 750 kr")
        let released = try #require(
            await recorder.wait(for: PaymentAllocationReleased.self) { $0.invoiceID == issued.invoiceID }
        )
        #expect(released.amount == sek(1_575_000), "the buyer paid 22 000 kr and owes only the 6 250 kr timber")
        let repayments = await system.list(Claim.self, "tax-reduction", "/v1/claims?status=claimed") {
            $0.filter { $0.invoiceID == issued.invoiceID && $0.repaymentDue != nil }.count == 2
        }
        #expect(repayments?.compactMap(\.repaymentDue) == [sek(337_500), sek(337_500)])
        #expect(repayments?.map(\.requested) == [sek(337_500), sek(337_500)], "what was sent stays as sent")
        let owed = recorder.messages(ReductionRepaymentDue.self).filter { $0.invoiceID == issued.invoiceID }
        #expect(owed.map(\.owed) == [sek(337_500), sek(337_500)])
        #expect(owed.allSatisfy { $0.claimStatus == "claimed" && $0.creditInvoiceID == creditedAgain.creditInvoiceID })

        let violations = await system.booksViolations(creditor: creditor)
        #expect(violations.isEmpty, "\(violations)")
        await system.stop()
    }
}
