import ArgumentParser
import KvittMessaging

/// `kvitt permissions`: each broker user's least rights, derived from the message catalogue (`BrokerPermissions`).
struct PermissionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "permissions",
        abstract: "Print each broker user's least rights (services, operator, topology), derived from the catalogue.",
        discussion:
            "The tab-separated form is compose/rabbitmq/permissions.tsv, which compose/rabbitmq/grant.sh applies; the rabbitmqctl form is the same as commands. See docs/security.md."
    )

    /// How the rights are printed.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// `compose/rabbitmq/permissions.tsv`.
        case tsv
        /// `rabbitmqctl set_permissions` and `set_topic_permissions` commands.
        case rabbitmqctl
    }

    @Option(help: "Output: tsv (for grant.sh) or rabbitmqctl (commands).")
    var format = Format.tsv
    @Option(help: "The vhost, for the rabbitmqctl form.")
    var vhost = "/"
    @Option(help: "The main exchange; its retry exchange is EXCHANGE.retry and its alternate EXCHANGE.unrouted.")
    var exchange = "kvitt"
    @Option(help: "The dead-letter exchange.")
    var deadLetterExchange = "kvitt.dead-letter"
    @Option(help: "Appended to every service's queue names: empty, or -EXCHANGE for a second Kvitt system.")
    var queueSuffix = ""
    @Flag(
        help:
            "During a rolling upgrade from a version that retried through the default exchange: services keep write on it (docs/security.md)."
    )
    var upgradeFromDefaultExchange = false

    func run() throws {
        let permissions = BrokerPermissions(
            system: SystemTopology(
                exchange: exchange,
                deadLetterExchange: deadLetterExchange,
                queueSuffix: queueSuffix
            ),
            keepsDefaultExchangeForUpgrade: upgradeFromDefaultExchange
        )
        switch format {
        case .tsv:
            print(permissions.tabSeparated, terminator: "")
        case .rabbitmqctl:
            let quoted = { (text: String) in "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }
            let vhost = quoted(vhost)
            for grant in permissions.grants {
                print(
                    "rabbitmqctl set_permissions -p \(vhost) \(quoted(grant.user)) \(quoted(grant.configurePattern))"
                        + " \(quoted(grant.writePattern)) \(quoted(grant.readPattern))"
                )
                for topic in grant.topics {
                    print(
                        "rabbitmqctl set_topic_permissions -p \(vhost) \(quoted(grant.user)) \(quoted(topic.exchange))"
                            + " \(quoted(topic.writePattern)) \(quoted(topic.readPattern))"
                    )
                }
            }
        }
    }
}
