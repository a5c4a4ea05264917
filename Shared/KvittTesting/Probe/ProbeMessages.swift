import KvittContracts

/// Test-only messages of the probe service, which exists to exercise the runtime end to end.
public enum Probe {
    /// Apply an effect once: add `amount` to the tally of `key`.
    public struct ApplyEffect: KvittMessage, Equatable {
        public static let messageType: MessageType = "probe.apply-effect.v1"
        public var key: String
        public var amount: Int64
        public init(key: String, amount: Int64) {
            self.key = key
            self.amount = amount
        }
    }

    /// Apply several effects to one key in one handler, one event each (a bundle of events).
    public struct ApplyEffects: KvittMessage, Equatable {
        public static let messageType: MessageType = "probe.apply-effects.v1"
        public var key: String
        public var amounts: [Int64]
        public init(key: String, amounts: [Int64]) {
            self.key = key
            self.amounts = amounts
        }
    }

    /// Fails transiently `failures` times, then applies like ``ApplyEffect``.
    public struct Flaky: KvittMessage, Equatable {
        public static let messageType: MessageType = "probe.flaky.v1"
        public var key: String
        public var failures: Int
        public init(key: String, failures: Int) {
            self.key = key
            self.failures = failures
        }
    }

    /// Always refused as impossible (``PermanentFailure``).
    public struct Impossible: KvittMessage, Equatable {
        public static let messageType: MessageType = "probe.impossible.v1"
        public var why: String
        public init(why: String) { self.why = why }
    }

    /// The event the probe publishes for each applied effect.
    public struct EffectApplied: KvittMessage, Equatable {
        public static let messageType: MessageType = "probe.effect-applied.v1"
        public var key: String
        public var total: Int64
        public init(key: String, total: Int64) {
            self.key = key
            self.total = total
        }
    }
}
