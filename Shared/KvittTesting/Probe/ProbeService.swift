import Foundation
import GRDB
import KvittContracts
import KvittMessaging
import Synchronization

/// The probe service: a minimal real service (tally per key) used to test the runtime and the host.
public enum ProbeService {
    /// The schema: one row per key with its total and how many times an effect was applied to it.
    public static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("probe-1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE probe_tally (
                        key TEXT PRIMARY KEY NOT NULL,
                        total INTEGER NOT NULL,
                        applications INTEGER NOT NULL
                    )
                    """
            )
        }
    }

    /// Registers the probe's handlers; `attempts` records every attempt at a flaky message with its retry count.
    public static func register(
        _ registry: inout HandlerRegistry,
        attempts: FlakyAttempts = FlakyAttempts(),
        handlerDelay: Duration = .zero
    ) {
        registry.register(ApplyEffectHandler(delay: handlerDelay))
        registry.register(ApplyEffectsHandler())
        registry.register(FlakyHandler(attempts: attempts))
        registry.register(ImpossibleHandler())
    }

    /// The service definition the `kvitt-probe-service` executable runs.
    public static func definition(name: String, handlerDelay: Duration) -> ServiceDefinition {
        ServiceDefinition(
            name: name,
            defaultHTTPPort: 0,
            migrations: { migrations(&$0) },
            handlers: { registry, _ in register(&registry, handlerDelay: handlerDelay) }
        )
    }

    /// Reads the tally (`key` → (`total`, `applications`)).
    public static func tally(_ db: Database) throws -> [String: (total: Int64, applications: Int)] {
        var result: [String: (Int64, Int)] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, total, applications FROM probe_tally") {
            result[row["key"]] = (row["total"], row["applications"])
        }
        return result
    }

    static func apply(key: String, amount: Int64, context: HandlerContext) throws {
        try context.db.execute(
            sql: """
                INSERT INTO probe_tally (key, total, applications) VALUES (?, ?, 1)
                ON CONFLICT(key) DO UPDATE SET total = total + excluded.total, applications = applications + 1
                """,
            arguments: [key, amount]
        )
        let total =
            try Int64.fetchOne(context.db, sql: "SELECT total FROM probe_tally WHERE key = ?", arguments: [key]) ?? 0
        try context.publish(Probe.EffectApplied(key: key, total: total))
    }
}

/// Attempts seen by ``FlakyHandler``, with the retry count of each.
public final class FlakyAttempts: Sendable {
    private let seen = Mutex<[String: [Int]]>([:])
    public init() {}
    public func record(_ key: String, retryCount: Int) { seen.withLock { $0[key, default: []].append(retryCount) } }
    public func attempts(_ key: String) -> [Int] { seen.withLock { $0[key] ?? [] } }
}

struct ApplyEffectHandler: MessageHandler {
    let delay: Duration

    func handle(_ message: Probe.ApplyEffect, context: HandlerContext) throws {
        if delay > .zero { Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18) }
        try ProbeService.apply(key: message.key, amount: message.amount, context: context)
    }
}

struct ApplyEffectsHandler: MessageHandler {
    func handle(_ message: Probe.ApplyEffects, context: HandlerContext) throws {
        for amount in message.amounts { try ProbeService.apply(key: message.key, amount: amount, context: context) }
    }
}

struct FlakyHandler: MessageHandler {
    struct TransientProbeError: Error {}
    let attempts: FlakyAttempts

    func handle(_ message: Probe.Flaky, context: HandlerContext) throws {
        attempts.record(message.key, retryCount: context.retryCount)
        // The tally write happens before the failure, to prove the savepoint rolls it back.
        try ProbeService.apply(key: message.key, amount: 1, context: context)
        if context.retryCount < message.failures { throw TransientProbeError() }
    }
}

struct ImpossibleHandler: MessageHandler {
    func handle(_ message: Probe.Impossible, context: HandlerContext) throws {
        throw PermanentFailure(reason: "impossible", detail: message.why)
    }
}
