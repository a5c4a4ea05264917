import Foundation
import GRDB
import KvittContracts
import KvittMessaging

/// One price set for a creditor: kept for good, so that an act is charged at the price that stood when it happened.
struct CreditorPriceRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "creditor_price"
    var id: Int64?
    var creditorID: String
    var service: String
    /// Öre (SEK).
    var price: Int64
    /// Whole seconds since 1970: AMQP timestamps, which date the acts, carry whole seconds, so a price counts from
    /// the second it was set (an act in that same second is charged at it).
    var effectiveFrom: Int64
    /// The set-prices command that set it.
    var messageID: String
}

/// One platform fee: one per chargeable act, keyed by the act's event id.
struct PlatformFeeRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "platform_fee"
    var actMessageID: String
    /// The id of the `invoicing.platform-fee-charged.v1` that reported it.
    var feeMessageID: String
    var creditorID: String
    var service: String
    /// Öre (SEK).
    var amount: Int64
    var priceSource: String
    var actType: String
    /// `YYYY-MM-DD`, Stockholm.
    var actDate: String
    /// `YYYY-MM`: the statement it is on.
    var month: String
    var invoiceID: String?
    var claimFileID: String?
    var chargedAt: Double
}

/// A creditor's price for one service as it stands at some moment.
struct StandingPrice: Sendable, Equatable {
    var service: ChargeableService
    /// Öre (SEK).
    var price: Int64
    var source: PriceSource
}

/// Reads and writes the price list and the platform fees, inside a handler's transaction or a read.
enum PriceStore {
    /// The creditor's price for `service` at `instant`: the last price set at or before it, else the default.
    static func price(
        _ service: ChargeableService,
        creditorID: String,
        at instant: Date,
        _ db: Database
    ) throws -> StandingPrice {
        let own = try Int64.fetchOne(
            db,
            sql: """
                SELECT price FROM creditor_price WHERE creditorID = ? AND service = ? AND effectiveFrom <= ?
                ORDER BY effectiveFrom DESC, id DESC LIMIT 1
                """,
            arguments: [creditorID, service.rawValue, wholeSeconds(instant)]
        )
        guard let own else {
            return StandingPrice(service: service, price: PriceList.defaultPrice(service), source: .default)
        }
        return StandingPrice(service: service, price: own, source: .creditor)
    }

    /// Every service's price at `instant`, in the price list's order.
    static func priceList(creditorID: String, at instant: Date, _ db: Database) throws -> [StandingPrice] {
        try ChargeableService.allCases.map { try price($0, creditorID: creditorID, at: instant, db) }
    }

    /// Records new prices, effective from `instant`.
    static func set(
        _ prices: [(service: ChargeableService, price: Int64)],
        creditorID: String,
        at instant: Date,
        messageID: String,
        _ db: Database
    ) throws {
        for entry in prices {
            let record = CreditorPriceRecord(
                id: nil,
                creditorID: creditorID,
                service: entry.service.rawValue,
                price: entry.price,
                effectiveFrom: wholeSeconds(instant),
                messageID: messageID
            )
            try record.insert(db)
        }
    }

    /// The fees on a creditor's statement for a month (`YYYY-MM`), by day of the act.
    static func fees(creditorID: String, month: String, _ db: Database) throws -> [PlatformFeeRecord] {
        try PlatformFeeRecord.fetchAll(
            db,
            sql: "SELECT * FROM platform_fee WHERE creditorID = ? AND month = ? ORDER BY actDate, chargedAt, rowid",
            arguments: [creditorID, month]
        )
    }

    /// Seconds since 1970, rounded down (a clock before 1970 or absurdly far ahead is clamped, never a trap).
    static func wholeSeconds(_ instant: Date) -> Int64 {
        let seconds = instant.timeIntervalSince1970.rounded(.down)
        guard seconds.isFinite else { return 0 }
        return Int64(max(-1e15, min(1e15, seconds)))
    }
}
