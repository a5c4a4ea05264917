import Foundation
import KvittMessaging
import KvittTesting
import Testing

@testable import Delivery

/// STARTTLS against real servers: aiosmtpd with a certificate from a throwaway CA made here with `openssl` (and
/// STARTTLS required before MAIL), a server that injects plain text after its 220, and one without STARTTLS.
struct STARTTLSTests {
    static func settings(port: Int, certificateAuthorities: URL?) -> SMTPSettings {
        var settings = SMTPSettings(
            host: "127.0.0.1",
            port: port,
            from: "faktura@kvitt.test",
            startTLS: .required,
            // Generous: the test server is a Python process on a machine busy with the whole suite.
            timeout: .seconds(30)
        )
        settings.certificateAuthorities = certificateAuthorities
        return settings
    }

    static func message() throws -> [UInt8] {
        try SMTPMessage.make(
            from: "faktura@kvitt.test",
            to: "anna@example.se",
            subject: "Faktura 7001",
            text: "Hej",
            attachmentName: "invoice-7001.pdf",
            pdf: Data("%PDF-1.4\n".utf8),
            messageID: "invoice-7001.email@kvitt.delivery",
            date: Date()
        )
    }

    /// Sends one message; the failure, or nil when the server accepted it.
    static func failure(sending settings: SMTPSettings) async throws -> SMTPFailure? {
        let message = try message()
        do {
            _ = try await SMTPClient(settings: settings).send(to: "anna@example.se", message: message) {}
            return nil
        } catch {
            return error
        }
    }

    /// `SMTP_CA_FILE` is read once, at start-up: a file without a certificate stops the service there with the
    /// variable named, rather than failing every mail later.
    @Test func aCAFileWithoutACertificateIsRefusedAtStartUp() async throws {
        let certificates = try await TestCertificates.make()
        let notPEM = try TestBroker.temporaryDirectory().appendingPathComponent("ca.pem")
        try Data("not a certificate\n".utf8).write(to: notPEM)
        func settings(caFile: URL) throws(ServiceSettings.InvalidSetting) -> DeliverySettings {
            try DeliverySettings(
                configuration: KvittConfiguration(environment: ["SMTP_HOST": "127.0.0.1", "SMTP_CA_FILE": caFile.path])
            )
        }
        #expect(throws: ServiceSettings.InvalidSetting.self) { try settings(caFile: notPEM) }
        do {
            _ = try settings(caFile: notPEM)
        } catch {
            #expect(error.variable == "SMTP_CA_FILE")
        }
        #expect(try settings(caFile: certificates.authority).smtp?.certificateAuthorities == certificates.authority)
    }

    @Test func aSessionWithSTARTTLSDeliversWhenTheServersCAIsTrusted() async throws {
        let certificates = try await TestCertificates.make()
        let smtp = try await SMTPTestServer(
            mode: .accept,
            certificate: (certificates.serverCertificate, certificates.serverKey)
        )
        defer { smtp.stop() }

        // Without the CA the certificate is not trusted: nothing is sent.
        let untrusted = try await Self.failure(sending: Self.settings(port: smtp.port, certificateAuthorities: nil))
        #expect(untrusted != nil, "a certificate from an unknown CA was accepted")
        #expect(smtp.accepted.isEmpty)

        let failure = try await Self.failure(
            sending: Self.settings(port: smtp.port, certificateAuthorities: certificates.authority)
        )
        #expect(failure == nil, "\(String(describing: failure))")
        #expect(smtp.accepted.count == 1)
        #expect(smtp.acceptedOverTLS == 1, "the message did not come through TLS")
    }

    @Test func plainTextAfterTheSTARTTLSAnswerIsRefused() async throws {
        let smtp = try await SMTPTestServer(mode: .startTLSInjection)
        defer { smtp.stop() }
        let failure = try await Self.failure(sending: Self.settings(port: smtp.port, certificateAuthorities: nil))
        let reason = try #require(failure).description
        #expect(reason.contains("plain-text data after its STARTTLS answer"), "\(reason)")
        // The client stopped at the injection: no TLS attempt read the injected 250, nothing was sent.
        let commands = smtp.commands.uppercased()
        #expect(commands.contains("STARTTLS"))
        #expect(!commands.contains("MAIL FROM") && !commands.contains("RCPT"), "\(commands)")
    }

    @Test func aServerWithoutSTARTTLSIsRefusedWhenItIsRequired() async throws {
        let smtp = try await SMTPTestServer(mode: .accept)
        defer { smtp.stop() }
        let failure = try await Self.failure(sending: Self.settings(port: smtp.port, certificateAuthorities: nil))
        guard case .permanent(let reason) = failure else {
            Issue.record("not refused for good: \(String(describing: failure))")
            return
        }
        #expect(reason.contains("does not offer STARTTLS"), "\(reason)")
        #expect(smtp.offered == 0)
        #expect(smtp.accepted.isEmpty)
    }
}

/// A throwaway CA and a server certificate it signed, for 127.0.0.1 and localhost, made with Debian's `openssl`.
struct TestCertificates {
    var authority: URL
    var serverCertificate: URL
    var serverKey: URL

    static func make() async throws -> TestCertificates {
        let folder = try TestBroker.temporaryDirectory()
        func file(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let extensions = folder.appendingPathComponent("server.ext")
        try Data(
            """
            subjectAltName = IP:127.0.0.1, DNS:localhost
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = serverAuth

            """.utf8
        ).write(to: extensions)
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let steps: [[String]] = [
            ["req", "-x509"] + curve + [
                "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "2", "-subj", "/CN=Kvitt test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ],
            ["req"] + curve + ["-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=127.0.0.1"],
            [
                "x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"),
                "-CAcreateserial", "-out", file("server.pem"), "-days", "2", "-extfile", extensions.path,
            ],
        ]
        for arguments in steps {
            let run = try await ChildProcessRunner.run("openssl", arguments, timeout: .seconds(30))
            try #require(run.status == 0, "openssl \(arguments.first ?? ""): \(run.errorText)")
        }
        return TestCertificates(
            authority: URL(fileURLWithPath: file("ca.pem")),
            serverCertificate: URL(fileURLWithPath: file("server.pem")),
            serverKey: URL(fileURLWithPath: file("server.key"))
        )
    }
}
