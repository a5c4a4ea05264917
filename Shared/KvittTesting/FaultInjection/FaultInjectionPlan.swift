import Foundation

/// What a fault-injection run does: how much traffic, and how much trouble while it flows.
public struct FaultInjectionPlan: Sendable {
    /// Invoices created, attested and (mostly) paid.
    public var invoices: Int
    /// Payments with no invoice to match (each becomes an unmatched payment).
    public var unmatchedPayments: Int
    /// `kill -9` of a random service, each followed by a restart.
    public var kills: Int
    /// Broker stops and starts in the middle of the run.
    public var brokerRestarts: Int
    /// Every n-th command is published twice with the same message id (a transport duplicate).
    public var duplicateEvery: Int
    /// Messages with a body no service can decode, spread over the four services.
    public var poisonMessages: Int
    /// Seed of the random choices (which service, when), so that a run can be repeated.
    public var seed: UInt64

    public init(
        invoices: Int,
        unmatchedPayments: Int,
        kills: Int,
        brokerRestarts: Int,
        duplicateEvery: Int = 10,
        poisonMessages: Int,
        seed: UInt64 = 20_261_129
    ) {
        self.invoices = invoices
        self.unmatchedPayments = unmatchedPayments
        self.kills = kills
        self.brokerRestarts = brokerRestarts
        self.duplicateEvery = duplicateEvery
        self.poisonMessages = poisonMessages
        self.seed = seed
    }
}

/// What a fault-injection run did and what the audit found at the end.
public struct FaultInjectionReport: Sendable, CustomStringConvertible {
    public var commandsSent = 0
    public var paymentsSent = 0
    public var duplicatesSent = 0
    public var kills = 0
    /// The services killed after payments started flowing, in order.
    public var killedWhilePaying: [String] = []
    /// How many payments payment-matching had registered each time it was killed after payments started.
    public var registeredWhenPaymentMatchingDied: [Int] = []
    public var brokerRestarts = 0
    public var poisonSent = 0
    public var deadLetters = 0
    /// Seconds from the first command until the books balanced (or the wait gave up).
    public var seconds = 0.0
    /// Every way in which the books did not balance; must be empty.
    public var violations: [String] = []

    public var description: String {
        let figures = [
            ("commands sent", "\(commandsSent)"), ("payments sent", "\(paymentsSent)"),
            ("duplicates sent", "\(duplicatesSent)"), ("kills (kill -9)", "\(kills)"),
            ("killed while payments flowed", killedWhilePaying.joined(separator: ", ")),
            (
                "payments registered when payment-matching died",
                registeredWhenPaymentMatchingDied.map(String.init).joined(separator: ", ")
            ),
            ("broker restarts", "\(brokerRestarts)"), ("poison messages", "\(poisonSent)"),
            ("dead letters", "\(deadLetters)"), ("invariant violations", "\(violations.count)"),
            ("seconds", String(format: "%.1f", seconds)),
        ]
        return figures.map { "\($0.0): \($0.1)" }.joined(separator: "\n")
            + violations.prefix(20).map { "\n  violation: \($0)" }.joined()
    }
}

/// A small seeded generator (SplitMix64), so that a run's choices repeat with the same seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
