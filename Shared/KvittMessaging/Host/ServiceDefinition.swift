import GRDB
import Hummingbird
import Logging
import ServiceLifecycle

/// What a service is made of; ``KvittServiceHost`` builds and runs the rest (broker, inbox/outbox, HTTP, signals).
public struct ServiceDefinition: Sendable {
    /// The service's name: its queue, its `app_id`, its log label (`payment-matching`).
    public var name: String
    /// The HTTP port when `HTTP_PORT` is not set.
    public var defaultHTTPPort: Int
    /// Registers the service's own schema migrations.
    public var migrations: @Sendable (inout DatabaseMigrator) -> Void
    /// Registers one handler per consumed message type.
    public var handlers: @Sendable (inout HandlerRegistry, ServiceContext) -> Void
    /// Adds the read API's routes.
    public var routes: @Sendable (Router<BasicRequestContext>, ServiceContext) -> Void
    /// Extra long-running parts (a scheduler), stopped before the outbox relay.
    public var services: @Sendable (ServiceContext) -> [any Service]
    /// What an operator should look at without the service being unready (held cases): listed by `/health/ready`
    /// and exported on `/metrics`.
    public var attention: @Sendable (ServiceContext) -> [AttentionGauge]
    /// The service's own settings beside the common ones (debt-collection's `REFERENCE_RATES_FILE`), for `--help`.
    public var ownSettings: [Setting]

    public init(
        name: String,
        defaultHTTPPort: Int,
        migrations: @escaping @Sendable (inout DatabaseMigrator) -> Void = { _ in },
        handlers: @escaping @Sendable (inout HandlerRegistry, ServiceContext) -> Void,
        routes: @escaping @Sendable (Router<BasicRequestContext>, ServiceContext) -> Void = { _, _ in },
        services: @escaping @Sendable (ServiceContext) -> [any Service] = { _ in [] },
        attention: @escaping @Sendable (ServiceContext) -> [AttentionGauge] = { _ in [] },
        ownSettings: [Setting] = []
    ) {
        self.name = name
        self.defaultHTTPPort = defaultHTTPPort
        self.migrations = migrations
        self.handlers = handlers
        self.routes = routes
        self.services = services
        self.attention = attention
        self.ownSettings = ownSettings
    }
}

/// What a service's handlers, routes and extra services share.
public struct ServiceContext: Sendable {
    public let settings: ServiceSettings
    public let store: MessageStore
    public let clock: any BusinessClock
    public let logger: Logger
    /// Call after committing outbox rows outside a handler (a scheduler, an HTTP command) to publish them at once.
    public let outboxCommitted: @Sendable () -> Void
}
