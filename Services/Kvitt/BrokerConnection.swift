import ArgumentParser
import Foundation
import KvittAMQP
import KvittMessaging
import Logging

/// How the CLI reaches the broker: `--url`, else the `AMQP_URL` setting (environment, configuration file or secret
/// file), else the local node. A password never comes from the command line, where `ps` and the shell's history
/// show it: `--url` carrying one is refused, and the password comes from `AMQP_PASSWORD` (or its secret file) or
/// from the `AMQP_URL` setting.
struct BrokerOptions: ParsableArguments {
    @Option(
        name: .customLong("url"),
        help:
            "AMQP URL without a password (default: AMQP_URL). Give the password as AMQP_PASSWORD or AMQP_PASSWORD_FILE."
    )
    var url: String?

    @Option(name: .customLong("exchange"), help: "Exchange the services use (default: AMQP_EXCHANGE, else kvitt).")
    var exchangeOption: String?

    @Option(help: "Seconds to wait for the broker.")
    var timeout = 5

    func validate() throws {
        if let url, Self.carriesPassword(url) {
            throw ValidationError(
                "--url must not contain a password (the command line is visible to every user of the machine): "
                    + "give the URL without it and the password as AMQP_PASSWORD, AMQP_PASSWORD_FILE or a file "
                    + "named AMQP_PASSWORD in KVITT_SECRETS_DIR, or set the whole URL as AMQP_URL"
            )
        }
    }

    /// Whether a URL's user information has a password (`user:password@`), whatever it is.
    static func carriesPassword(_ text: String) -> Bool {
        guard let scheme = text.range(of: "://") else { return false }
        let authority = text[scheme.upperBound...].prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@") else { return false }
        return authority[..<at].contains(":")
    }

    /// The exchange: `--exchange`, else `AMQP_EXCHANGE`.
    var exchange: String {
        get throws { try exchangeOption ?? CLISettings.configuration().text(.amqpExchange) }
    }

    /// Where the dead-letter commands publish: the retry exchange of ``exchange`` and `AMQP_DEAD_LETTER_EXCHANGE`.
    var deadLetterRoutes: DeadLetterRoutes {
        get throws {
            try DeadLetterRoutes(
                exchange: exchange,
                deadLetterExchange: CLISettings.configuration().text(.amqpDeadLetterExchange)
            )
        }
    }

    var amqpURL: AMQPURL {
        get throws {
            let configuration = try CLISettings.configuration()
            guard let url else { return try ServiceSettings.amqpURL(configuration) }
            var parsed: AMQPURL
            do { parsed = try AMQPURL(parsing: url) } catch { throw CLIError("--url: \(error)") }
            if let password = configuration.lookup(.amqpPassword)?.text { parsed.password = password }
            return parsed
        }
    }

    /// The connection options, with the TLS files from the settings.
    func options(connectionName: String) throws -> AMQPSession.Options {
        let configuration = try CLISettings.configuration()
        let certificate = try configuration.readableFile(.amqpClientCertificate)
        let key = try configuration.readableFile(.amqpClientKey)
        if (certificate == nil) != (key == nil) {
            throw CLIError("mutual TLS needs both AMQP_CLIENT_CERT and AMQP_CLIENT_KEY")
        }
        return AMQPSession.Options(
            connectionName: connectionName,
            caCertificatePath: try configuration.readableFile(.amqpCACertificate),
            clientCertificatePath: certificate,
            clientKeyPath: key
        )
    }

    /// A connected client and publisher, or one clear line about why not.
    func connect() async throws -> (AMQPClient, AMQPPublisher) {
        let url = try amqpURL
        var logger = Logger(label: "kvitt")
        logger.logLevel = .critical
        let client = AMQPClient(url: url, options: try options(connectionName: "kvitt-cli"), logger: logger)
        let publisher = AMQPPublisher(
            url: url,
            options: try options(connectionName: "kvitt-cli-publisher"),
            logger: logger
        )
        do {
            try await client.waitUntilConnected(timeout: .seconds(timeout))
            try await publisher.waitUntilConnected(timeout: .seconds(timeout))
        } catch {
            await client.stop()
            await publisher.stop()
            throw CLIError("cannot reach the broker at \(url): \(error)")
        }
        return (client, publisher)
    }
}

/// An error the CLI reports as one line, with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
