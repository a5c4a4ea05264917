import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// When a credit leaves an invoice owing less than was paid on it, the difference goes back to the payer: taken from
/// the invoice's latest allocations first, it becomes the payments' unapplied excess — on the overpayments list, to
/// refund (remove-payment) or link to another invoice, as any overpayment.
enum AllocationRelease {
    /// Releases `excess` from the receivable's allocations, which lowers what it has been paid (`receivable.paid`
    /// follows).
    static func release(
        _ excess: Int64,
        from receivable: inout ReceivableRecord,
        reason: String,
        context: HandlerContext
    ) throws {
        var remaining = excess
        let allocations = try AllocationRecord.fetchAll(
            context.db,
            sql: "SELECT * FROM allocation WHERE invoiceID = ? AND amount > 0 ORDER BY id DESC",
            arguments: [receivable.invoiceID]
        )
        for var allocation in allocations where remaining > 0 {
            guard var payment = try PaymentRecord.fetchOne(context.db, key: allocation.paymentID) else { continue }
            let taken = min(allocation.amount, remaining)
            allocation.amount -= taken
            try allocation.update(context.db)
            payment.unapplied += taken
            payment.status = .overpaid
            try PaymentWrites.updateState(payment, context.db)
            receivable.paid -= taken
            remaining -= taken
            try context.publish(
                PaymentAllocationReleased(
                    paymentID: payment.id,
                    invoiceID: receivable.invoiceID,
                    amount: receivable.money(taken),
                    reason: reason
                )
            )
            try context.publish(
                OverpaymentRecorded(
                    paymentID: payment.id,
                    invoiceID: receivable.invoiceID,
                    amount: payment.money(taken)
                )
            )
        }
    }
}
