import KvittContracts

/// Who logs in to the broker, by what they do there.
public enum BrokerRole: Sendable, Hashable, CustomStringConvertible {
    /// A service: consumes its own queue, publishes its own events and the commands it sends.
    case service(KvittService)
    /// The person with the `kvitt` CLI: dead letters (list, replay, edit, purge) and unrouted events.
    case `operator`
    /// The one-shot `kvitt topology declare`: declares every exchange, queue and binding, and publishes nothing.
    case topology

    /// Every role, services first.
    public static var allCases: [BrokerRole] {
        KvittService.allCases.sorted().map(Self.service) + [.operator, .topology]
    }

    /// The role's user name in a deployment (`compose/rabbitmq/setup.sh`).
    public var description: String {
        switch self {
        case .service(let service): service.rawValue
        case .operator: "operator"
        case .topology: "topology"
        }
    }
}

/// One broker user's rights on a vhost, as `rabbitmqctl set_permissions` and `set_topic_permissions` take them.
///
/// Each right is a list of anchored alternatives (regular expressions, names already escaped); an empty list is no
/// right at all (`^$`).
public struct BrokerGrant: Sendable, Equatable {
    /// Routing keys a user may publish with (`write`) and bind with (`read`) on one topic exchange. RabbitMQ checks
    /// topic permissions on topic exchanges only.
    public struct Topic: Sendable, Equatable {
        public let exchange: String
        public let write: [String]
        public let read: [String]

        /// `write` as the regular expression RabbitMQ takes.
        public var writePattern: String { BrokerGrant.pattern(write) }
        /// `read` as the regular expression RabbitMQ takes.
        public var readPattern: String { BrokerGrant.pattern(read) }
    }

    public let user: String
    public let configure: [String]
    public let write: [String]
    public let read: [String]
    public let topics: [Topic]

    public var configurePattern: String { Self.pattern(configure) }
    public var writePattern: String { Self.pattern(write) }
    public var readPattern: String { Self.pattern(read) }

    /// `^(a|b)$`, or `^$` (nothing) for no alternatives.
    static func pattern(_ alternatives: [String]) -> String {
        alternatives.isEmpty ? "^$" : "^(\(alternatives.joined(separator: "|")))$"
    }

    /// A name as a regular expression that matches exactly it.
    public static func escaped(_ name: String) -> String {
        var escaped = ""
        for character in name {
            if #"\^$.|?*+()[]{}"#.contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// The grant as lines of `compose/rabbitmq/permissions.tsv`, which `grant.sh` applies: `permissions USER
    /// CONFIGURE WRITE READ` and `topic USER EXCHANGE WRITE READ`, tab-separated.
    public var tabSeparatedLines: [String] {
        [["permissions", user, configurePattern, writePattern, readPattern].joined(separator: "\t")]
            + topics.map { ["topic", user, $0.exchange, $0.writePattern, $0.readPattern].joined(separator: "\t") }
    }
}

/// The broker rights of every Kvitt user, derived from the message catalogue and the system's topology: the least
/// each needs (`docs/security.md`).
///
/// - A service configures only its own queues (work, wait, dead-letter); the shared exchanges it only checks
///   (passive declares need no permission), so it cannot delete or change them. It writes on `kvitt` only the routing
///   keys of its own events and of the commands it sends, on `kvitt.retry` only its own wait queues' names, and on
///   `kvitt.dead-letter` (a direct exchange, where RabbitMQ has no topic permissions); never on the default exchange.
///   It reads (consumes) only its own work and wait queues, and binds on `kvitt` only the types it consumes.
/// - The operator configures nothing and reads only the dead-letter queues and `kvitt.unrouted`; it republishes on
///   `kvitt` (an unrouted event or an edited message, any key), on `kvitt.dead-letter`, on `kvitt.retry` with a
///   work queue's name (a replay), and, while `kvitt dead-letters replay` still replays through it, on the default
///   exchange.
/// - The topology user configures every Kvitt object and publishes nothing; declaring a queue with a dead-letter
///   exchange needs read on the queue, so it could consume, and is meant for the one-shot only.
public struct BrokerPermissions: Sendable {
    public let system: SystemTopology
    /// During a rolling upgrade from the version that retried through the default exchange, the services keep write
    /// on it until the last old instance has stopped (`docs/security.md`).
    public let keepsDefaultExchangeForUpgrade: Bool

    public init(system: SystemTopology = SystemTopology(), keepsDefaultExchangeForUpgrade: Bool = false) {
        self.system = system
        self.keepsDefaultExchangeForUpgrade = keepsDefaultExchangeForUpgrade
    }

    /// The default exchange's name in permissions, escaped.
    static let defaultExchange = #"amq\.default"#

    /// Commands a service sends to another service. The catalogue lists who consumes each type and its owner
    /// publishes its events; a command is published by whoever asks, so the services that ask are listed here.
    public static let commandsSent: [KvittService: [MessageType]] = [
        .paymentMatching: [ApplyCredit.messageType]
    ]

    /// The routing keys a service publishes on the main exchange: its own events (the types it owns and does not
    /// consume itself) and the commands it sends.
    public static func publishedTypes(of service: KvittService) -> [MessageType] {
        let events = MessageCatalogue.entries.filter {
            $0.messageType.owner == service.rawValue && !$0.consumers.contains(service)
        }.map(\.messageType)
        return (events + (commandsSent[service] ?? [])).sorted()
    }

    /// The grant of a role, for the user `user` (by default the role's own name).
    public func grant(for role: BrokerRole, user: String? = nil) -> BrokerGrant {
        let user = user ?? role.description
        let exchange = BrokerGrant.escaped(system.exchange)
        let deadLetter = BrokerGrant.escaped(system.deadLetterExchange)
        let retryName = ServiceTopology.retryExchange(of: system.exchange)
        let retry = BrokerGrant.escaped(retryName)
        switch role {
        case .service(let service):
            let queues = QueueNames(system.queueName(of: service))
            return BrokerGrant(
                user: user,
                configure: queues.all,
                // Write on its own queues: binding them. On the dead-letter and retry exchanges: declaring queues
                // that dead-letter there needs it too.
                write: [exchange, deadLetter, retry] + queues.all
                    + (keepsDefaultExchangeForUpgrade ? [Self.defaultExchange] : []),
                read: [exchange, deadLetter, retry] + queues.consumed,
                topics: [
                    BrokerGrant.Topic(
                        exchange: system.exchange,
                        write: Self.publishedTypes(of: service).map { BrokerGrant.escaped($0.rawValue) },
                        read: service.consumedTypes.map { BrokerGrant.escaped($0.rawValue) }
                    ),
                    BrokerGrant.Topic(exchange: retryName, write: [queues.wait], read: [queues.work, queues.wait]),
                ]
            )
        case .operator:
            let services = everyServicesQueues
            return BrokerGrant(
                user: user,
                configure: [],
                write: [exchange, deadLetter, retry],
                read: services.map(\.deadLetter) + [BrokerGrant.escaped(system.unroutedExchange)],
                topics: [
                    BrokerGrant.Topic(exchange: system.exchange, write: [".*"], read: []),
                    BrokerGrant.Topic(exchange: retryName, write: services.map(\.work), read: []),
                ]
            )
        case .topology:
            let services = everyServicesQueues
            let unrouted = BrokerGrant.escaped(system.unroutedExchange)
            let exchanges = [exchange, deadLetter, retry, unrouted]
            // kvitt.unrouted is an exchange and a queue of the same name: listed once, among the exchanges.
            let queues = services.flatMap(\.all)
            return BrokerGrant(
                user: user,
                configure: exchanges + queues,
                write: [deadLetter, retry, unrouted] + queues,
                read: exchanges + services.flatMap(\.consumed),
                topics: [
                    BrokerGrant.Topic(exchange: system.exchange, write: [], read: [".*"]),
                    BrokerGrant.Topic(exchange: retryName, write: [], read: [".*"]),
                ]
            )
        }
    }

    /// Every service's queue names, in service order.
    private var everyServicesQueues: [QueueNames] {
        KvittService.allCases.sorted().map { QueueNames(system.queueName(of: $0)) }
    }

    /// Every role's grant, in ``BrokerRole/allCases`` order.
    public var grants: [BrokerGrant] { BrokerRole.allCases.map { grant(for: $0) } }

    /// `compose/rabbitmq/permissions.tsv`: what `kvitt permissions` prints and `grant.sh` applies.
    public var tabSeparated: String {
        let header = [
            "# Generated by `kvitt permissions` from the message catalogue; DeploymentTests checks that it is current.",
            "# permissions USER CONFIGURE WRITE READ | topic USER EXCHANGE WRITE READ (tab-separated; docs/security.md)",
        ]
        return (header + grants.flatMap(\.tabSeparatedLines)).joined(separator: "\n") + "\n"
    }

    /// One service's queue names as escaped regular expressions.
    private struct QueueNames {
        let work: String
        let wait: String
        let deadLetter: String

        init(_ queue: String) {
            work = BrokerGrant.escaped(queue)
            // The wait queues' delay labels (RetryPolicy.label): a number and ms, s or m.
            wait = "\(work)\\.retry\\.[0-9]+(?:ms|s|m)"
            deadLetter = "\(work)\\.dead-letter"
        }

        var all: [String] { [work, wait, deadLetter] }
        /// Read on the queues with a dead-letter exchange: consuming, and declaring them.
        var consumed: [String] { [work, wait] }
    }
}
