import Foundation
import KvittAMQP
import KvittContracts
import KvittMessaging
import KvittTesting
import Testing

/// The test broker's TLS listener (`scripts/broker.sh` with `KVITT_AMQPS_PORT`) and the test CA it made in
/// `KVITT_TLS_DIR`.
enum TestTLS {
    static let environment = ProcessInfo.processInfo.environment
    static var port: Int? { environment["KVITT_AMQPS_PORT"].flatMap { Int($0) } }
    static var folder: URL? { environment["KVITT_TLS_DIR"].map { URL(fileURLWithPath: $0) } }
    static var isConfigured: Bool { port != nil && folder != nil }

    /// A file of the test CA's folder: `ca.pem`, `wrong-ca.pem`, `client.pem`, `client.key`.
    static func file(_ name: String) -> String { folder!.appendingPathComponent(name).path }

    /// `amqps://` to the listener by the name its certificate is for.
    static var url: AMQPURL {
        AMQPURL(
            host: "localhost",
            port: port,
            user: TestBroker.url.user,
            password: TestBroker.url.password,
            useTLS: true
        )
    }

    static func options(_ name: String, ca: String = "ca.pem", clientCertificate: Bool = true) -> AMQPSession.Options {
        AMQPSession.Options(
            connectionName: name,
            connectTimeout: .seconds(5),
            caCertificatePath: file(ca),
            clientCertificatePath: clientCertificate ? file("client.pem") : nil,
            clientKeyPath: clientCertificate ? file("client.key") : nil
        )
    }

    /// The error opening a session fails with, as the operator reads it; `nil` when it opened.
    static func openingError(_ url: AMQPURL, _ options: AMQPSession.Options) -> String? {
        do {
            let session = try AMQPSession(url: url, options: options)
            session.close()
            return nil
        } catch {
            return "\(error)"
        }
    }
}

/// TLS on loopback through the real broker: the broker's certificate is verified against the configured CA and its
/// host name, the client presents its certificate (the broker requires one), and every other case is refused with an
/// error that says why (docs/security.md).
@Suite(
    "TLS: peer verification, client certificates and clear refusals",
    .enabled(if: TestTLS.isConfigured, "needs the broker's TLS listener: KVITT_AMQPS_PORT and KVITT_TLS_DIR")
)
struct TLSTests {
    let logger = TestBroker.logger("tls")

    @Test func aVerifiedConnectionWithAClientCertificateCarriesMessages() async throws {
        let client = AMQPClient(url: TestTLS.url, options: TestTLS.options("tls-ok"), logger: logger)
        try await client.waitUntilConnected()
        let queue = TestBroker.uniqueName("tls")
        let received = try await client.perform { session in
            try session.declare(AMQPQueue(name: queue, durable: false, autoDelete: false))
            try session.publish(
                AMQPOutgoingMessage(
                    exchange: "",
                    routingKey: queue,
                    properties: AMQPProperties(),
                    body: Array("x".utf8)
                )
            )
            var delivery: AMQPDelivery?
            for _ in 0..<50 where delivery == nil {
                delivery = try session.get(queue: queue)
                if delivery == nil { Thread.sleep(forTimeInterval: 0.02) }
            }
            try session.deleteQueue(queue)
            return delivery?.body
        }
        #expect(received == Array("x".utf8), "published and read back over TLS")
        await client.stop()
    }

    @Test func aBrokerCertificateFromAnotherCAIsRefusedSayingSo() {
        let error = TestTLS.openingError(TestTLS.url, TestTLS.options("tls-wrong-ca", ca: "wrong-ca.pem"))
        #expect(
            error?.contains("not signed by the CA in \(TestTLS.file("wrong-ca.pem"))") == true,
            "\(error ?? "opened")"
        )
    }

    @Test func aClientWithoutACertificateIsRefused() {
        let error = TestTLS.openingError(TestTLS.url, TestTLS.options("tls-no-client", clientCertificate: false))
        #expect(
            error?.contains("it may require a client certificate, and none was given") == true,
            "the broker requires a client certificate: \(error ?? "opened")"
        )
    }

    @Test func amqpsWithoutACAOrWithHalfAClientCertificateIsRefusedBeforeConnecting() {
        var noCA = TestTLS.options("tls-no-ca")
        noCA.caCertificatePath = nil
        #expect(TestTLS.openingError(TestTLS.url, noCA)?.contains("needs the CA certificate") == true)
        var halfPair = TestTLS.options("tls-half")
        halfPair.clientKeyPath = nil
        #expect(TestTLS.openingError(TestTLS.url, halfPair)?.contains("both a client certificate and its key") == true)
    }

    /// A real service and the `kvitt` CLI, configured as an operator would (AMQP_URL with amqps://, the CA and the
    /// client certificate and key in the environment).
    @Test func aServiceAndTheCLIConnectOverTLS() async throws {
        let exchange = TestBroker.uniqueName("tls")
        let tlsEnvironment = [
            "AMQP_CA_CERT": TestTLS.file("ca.pem"), "AMQP_CLIENT_CERT": TestTLS.file("client.pem"),
            "AMQP_CLIENT_KEY": TestTLS.file("client.key"),
        ]
        let folder = try TestBroker.temporaryDirectory()
        let processes = ServiceProcesses(
            executables: ["payment-matching"],
            exchange: exchange,
            folder: folder,
            broker: TestTLS.url,
            environment: tlsEnvironment
        )
        try await processes.startAll()
        let statuses = await processes.terminateAll()
        #expect(statuses["payment-matching"] == 0, "ready over TLS, and a clean stop: \(statuses)")

        let cli = try await CommandRun.kvitt(
            [
                "topology", "declare", "--exchange", exchange, "--dead-letter-exchange", "\(exchange).dead-letter",
                "--queue-suffix=-\(exchange)",
            ],
            environment: tlsEnvironment.merging(["AMQP_URL": TestTLS.url.environmentValue]) { _, new in new }
        )
        #expect(cli.status == 0, "kvitt topology declare over TLS: \(cli.output)\(cli.errors)")

        let system = SystemTopology(
            exchange: exchange,
            deadLetterExchange: "\(exchange).dead-letter",
            queueSuffix: "-\(exchange)"
        )
        await TestBroker.cleanUp(
            services: KvittService.allCases.map { system.queueName(of: $0) },
            exchanges: [exchange, "\(exchange).dead-letter", "\(exchange).retry", system.unroutedExchange]
        )
        await TestBroker.cleanUp(queues: [system.unroutedExchange])
    }
}
