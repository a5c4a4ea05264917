import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

/// Dead letters with the real executables and the real `kvitt` CLI: a message a service cannot read is parked in
/// that service's dead-letter queue with its reason, and the operator lists it, corrects it, replays it or purges it;
/// a replayed message takes effect exactly once, however often it is replayed.
@Suite("End to end: dead letters and the operator")
struct DeadLetterFlowTests {
    @Test func anUnreadablePaymentIsParkedAndACorrectedCopyTakesEffect() async throws {
        let system = try await RunningSystem.start("dead-poison")
        let recorder = system.recorder
        let creditor = "kassaflode"
        try await system.register(Fixture.creditor(creditor, name: "Trädgårdstjänst i Lund AB"))
        let today = try await system.businessDate()
        let issued = try await system.issue(
            Fixture.invoice(
                creditor,
                "hack-12",
                debtor: Fixture.anna,
                date: today,
                lines: [Fixture.line("Häckklippning", "1", unitPrice: 100_000)]
            )
        )

        // A Swish integration writes the amount the way people do: "1 250,00". No service can read that.
        let poisonID = UUID().uuidString.lowercased()
        let unreadable = """
            {"source": "swish", "sourceID": "SWISH-4F21A9", "amount": "1 250,00", "paymentDate": "\(today)",
             "message": "Faktura \(issued.invoiceNumber)", "creditorID": "\(creditor)"}
            """
        try await system.sendRaw(unreadable, type: RegisterPayment.messageType.rawValue, id: poisonID)
        let parked = try #require(try await system.parked("payment-matching", id: poisonID))
        #expect(parked.reason == FailureReason.undecodableBody.rawValue)
        #expect(parked.type == RegisterPayment.messageType.rawValue)
        #expect(parked.detail.contains("amount"), "the detail names the field: \(parked.detail)")
        #expect(parked.service == system.services["payment-matching"]!.name)
        #expect(parked.replayCount == 0)
        let table = try await system.kvitt(["dead-letters", "list", "--service", parked.service])
        #expect(table.status == 0)
        #expect(table.output.contains(poisonID) && table.output.contains("undecodable-body"))

        // A correction that is still wrong is refused before anything is published.
        let stillWrong = system.folder.appendingPathComponent("still-wrong.json")
        try Data(unreadable.utf8).write(to: stillWrong)
        let refused = try await system.kvitt([
            "dead-letters", "edit", poisonID, "--patch", stillWrong.path, "--service", parked.service,
        ])
        #expect(refused.status != 0)
        #expect(refused.output.contains("is not a valid \(RegisterPayment.messageType.rawValue)"))

        // The operator corrects the amount; the corrected copy goes to payment-matching alone and pays the invoice.
        let corrected = RegisterPayment(
            source: "swish",
            sourceID: "SWISH-4F21A9",
            amount: sek(125_000),
            paymentDate: today,
            message: "Faktura \(issued.invoiceNumber)",
            creditorID: creditor
        )
        let patch = system.folder.appendingPathComponent("corrected.json")
        try Data(try MessageCoding.encode(corrected)).write(to: patch)
        let edited = try await system.kvitt([
            "dead-letters", "edit", poisonID, "--patch", patch.path, "--service", parked.service,
        ])
        #expect(edited.status == 0, "\(edited.output)")
        #expect(edited.output.contains("the original stays parked"))
        let registered = try #require(
            await recorder.wait(for: PaymentRegistered.self) { $0.sourceID == "SWISH-4F21A9" }
        )
        #expect(registered.amount == sek(125_000))
        let matched = try #require(
            await recorder.wait(for: PaymentMatched.self) { $0.paymentID == registered.paymentID }
        )
        #expect(matched.invoiceID == issued.invoiceID)
        #expect(matched.matchedBy == "invoice-number")
        #expect(await recorder.wait(for: InvoicePaid.self) { $0.invoiceID == issued.invoiceID } != nil)
        #expect(
            await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(issued.invoiceID)") {
                $0.status == "closed"
            } != nil
        )
        #expect(try await system.deadLetters("payment-matching").map(\.id) == [poisonID], "the original is kept")

        // Once it is dealt with, the operator purges the original.
        let purged = try await system.kvitt([
            "dead-letters", "purge", "--id", poisonID, "--service", parked.service, "--yes",
        ])
        #expect(purged.status == 0, "\(purged.output)")
        #expect(purged.output.contains("purged 1"))
        #expect(try await system.deadLetters("payment-matching").isEmpty)
        await system.stop()
    }

    @Test func anEventThatCameTooEarlyIsReplayedOnceItCanBeHandledAndOnlyOnce() async throws {
        let system = try await RunningSystem.start("dead-replay")
        let recorder = system.recorder
        let creditor = "ordning"
        try await system.register(Fixture.creditor(creditor, name: "Måleri Nord AB"))
        let today = try await system.businessDate()
        let paymentMatching = try #require(system.services["payment-matching"]).name
        let draft = try await system.createDraft(
            Fixture.invoice(
                creditor,
                "mal-5",
                debtor: Fixture.kundAB,
                date: today,
                lines: [Fixture.line("Målning, trapphus", "1", unitPrice: 400_000)]
            )
        )

        // Events from different services have no order between them: here debt-collection's fees-charged reaches
        // payment-matching before invoicing's invoice-issued, so payment-matching has no receivable to charge.
        let fees = FeesCharged(
            invoiceID: draft.invoiceID,
            fees: [.init(kind: "reminder", amount: sek(6_000))],
            interest: sek(0),
            total: sek(6_000)
        )
        let feesID = UUID().uuidString.lowercased()
        try await system.send(fees, id: feesID)
        let parked = try #require(try await system.parked("payment-matching", id: feesID))
        #expect(parked.reason == FailureReason.retriesExhausted.rawValue, "retried first: it might have come early")
        #expect(parked.detail.contains("unknown-invoice"), "\(parked.detail)")
        #expect(parked.type == FeesCharged.messageType.rawValue)
        // Invoicing knows the invoice but it is a draft: no fee can be owed on it, so invoicing parks its copy for good.
        let refused = try #require(try await system.parked("invoicing", id: feesID))
        #expect(refused.reason == FailureReason.permanentFailure.rawValue)
        #expect(refused.detail.contains("not-issued"), "\(refused.detail)")

        // The invoice is issued; neither service has the fee yet.
        try await system.send(AttestInvoice(invoiceID: draft.invoiceID))
        let issued = try #require(await recorder.wait(for: InvoiceIssued.self) { $0.invoiceID == draft.invoiceID })
        let owed = issued.amountDue.amount + 6_000
        let owing = await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(issued.invoiceID)") {
            $0.status == "issued"
        }
        #expect(owing?.balance == issued.amountDue)
        let short = await system.read(
            BooksAudit.Receivable.self,
            "payment-matching",
            "/v1/receivables/\(issued.invoiceID)"
        ) { $0.invoiceID == issued.invoiceID }
        #expect(short?.balance == issued.amountDue, "the fee is missing in payment-matching")

        // The operator replays each service's copy to that service alone, and now both can be handled.
        let invoicing = try #require(system.services["invoicing"]).name
        for service in [paymentMatching, invoicing] {
            let replayed = try await system.kvitt(["dead-letters", "replay", "--id", feesID, "--service", service])
            #expect(replayed.status == 0, "\(replayed.output)")
            #expect(replayed.output.contains("replayed 1, failed 0"), "\(service): \(replayed.output)")
        }
        let caughtUp = await system.read(
            BooksAudit.Receivable.self,
            "payment-matching",
            "/v1/receivables/\(issued.invoiceID)"
        ) { $0.balance == sek(owed) }
        #expect(caughtUp?.adjustments == sek(-6_000))
        #expect(try await system.deadLetters("payment-matching").allSatisfy { $0.id != feesID })

        // The replay's acknowledgement can be lost after the copy was confirmed, leaving the dead letter in place to
        // be replayed again: park the same message once more and replay it a second time.
        var again = AMQPOutgoingMessage(
            exchange: system.deadLetterExchange,
            routingKey: paymentMatching,
            properties: AMQPProperties(
                envelope: MessageEnvelope(messageID: feesID, type: FeesCharged.messageType, appID: "debt-collection")
            ),
            body: try MessageCoding.encode(fees)
        )
        again.properties.headers[FailureHeaders.reason] = .string(FailureReason.permanentFailure.rawValue)
        again.properties.headers[FailureHeaders.failedService] = .string(paymentMatching)
        try await system.publisher.publish(again)
        #expect(try await system.parked("payment-matching", id: feesID) != nil)
        let replayedAgain = try await system.kvitt([
            "dead-letters", "replay", "--id", feesID, "--service", paymentMatching,
        ])
        #expect(replayedAgain.output.contains("replayed 1, failed 0"), "\(replayedAgain.output)")
        // A later message on the same queue is handled after the replay, so once it shows, the replay was handled.
        try await system.send(
            RegisterPayment(
                source: "swish",
                sourceID: "SWISH-SENTINEL-1",
                amount: sek(100),
                paymentDate: today,
                message: "Tack för senast",
                creditorID: creditor
            )
        )
        let sentinel = try #require(
            await recorder.wait(for: PaymentRegistered.self) { $0.sourceID == "SWISH-SENTINEL-1" }
        )
        #expect(await recorder.wait(for: PaymentUnmatched.self) { $0.paymentID == sentinel.paymentID } != nil)
        let once = await system.receivable(issued.invoiceID)
        #expect(once?.adjustments == sek(-6_000), "the inbox made the second replay a no-op")
        #expect(once?.balance == sek(owed))
        // Replays go to the failed service's queue only: invoicing took the fee once, from its own replay.
        let invoiced = await system.read(BooksAudit.Invoice.self, "invoicing", "/v1/invoices/\(issued.invoiceID)") {
            $0.fees == sek(6_000)
        }
        #expect(invoiced?.fees == sek(6_000))
        #expect(invoiced?.balance == once?.balance, "invoicing and payment-matching agree again")
        #expect(invoiced?.history?.filter { $0.event == "fees-charged" }.count == 1)
        #expect(try await system.deadLetters("payment-matching").isEmpty)

        // The replay ledger names each replay.
        let ledger = try await system.kvitt(["dead-letters", "history", "--limit", "50"])
        #expect(ledger.status == 0)
        #expect(ledger.output.components(separatedBy: feesID).count - 1 == 3, "\(ledger.output)")
        await system.stop()
    }
}
