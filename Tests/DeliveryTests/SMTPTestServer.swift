import Foundation
import KvittTesting

@testable import Delivery

/// A real SMTP server for the tests: Python's aiosmtpd (`pip install aiosmtpd`) on a free loopback port, which
/// saves every accepted message as a file and counts every message it was offered.
final class SMTPTestServer: Sendable {
    /// How the server answers the end of each message.
    enum Mode: Sendable {
        /// 250 for every message.
        case accept
        /// 554 for every message, naming the recipient and a personnummer.
        case reject
        /// 451 for every message.
        case temporaryFailure
        /// 451 for the first `count` messages, then 250.
        case temporaryFailures(count: Int)
        /// Keeps every message at its end but answers 250 only `seconds` later: the window in which the sender may
        /// die after the server has the whole message.
        case acceptSlowly(seconds: Int)
        /// Not aiosmtpd: a hand-written server that offers STARTTLS and answers it with `220 ready` and, in the same
        /// packet, `250 injected`, as a man in the middle injecting plain text would. It writes each command it
        /// receives to `commands`.
        case startTLSInjection

        var argument: String {
            switch self {
            case .accept: "accept"
            case .reject: "reject"
            case .temporaryFailure: "tempfail"
            case .temporaryFailures(let count): "tempfail-then-accept:\(count)"
            case .acceptSlowly(let seconds): "slow-accept:\(seconds)"
            case .startTLSInjection: "starttls-injection"
            }
        }
    }

    let port: Int
    let folder: URL
    private let process: Process

    static let script = #"""
        import asyncio, os, socket, ssl, sys, threading, time
        from aiosmtpd.controller import Controller

        mode, folder, port_file = sys.argv[1], sys.argv[2], sys.argv[3]
        # With a certificate and key: STARTTLS offered, and required before MAIL (aiosmtpd answers 530 without it).
        certificate = sys.argv[4:6] if len(sys.argv) >= 6 else None

        class Handler:
            def __init__(self):
                self.offered = 0

            async def handle_DATA(self, server, session, envelope):
                self.offered += 1
                with open(os.path.join(folder, "offered"), "w") as f:
                    f.write(str(self.offered))
                if mode == "reject":
                    # As real servers do: the recipient echoed, and a line of the refused content quoted.
                    return "554 5.7.1 <%s> rejected by the test server: content 19811218-9876" % ",".join(
                        envelope.rcpt_tos)
                if mode == "tempfail":
                    return "451 4.3.0 try again later"
                if mode.startswith("tempfail-then-accept:") and self.offered <= int(mode.split(":")[1]):
                    return "451 4.3.0 try again later"
                count = len([name for name in os.listdir(folder) if name.endswith(".eml")])
                path = os.path.join(folder, "%04d.eml" % count)
                with open(path + ".part", "wb") as f:
                    f.write(envelope.original_content)
                with open(os.path.join(folder, "%04d.rcpt" % count), "w") as f:
                    f.write(",".join(envelope.rcpt_tos))
                os.rename(path + ".part", path)
                if session.ssl is not None:
                    with open(path[:-4] + ".tls", "w") as f:
                        f.write(str(session.ssl.get("cipher")))
                if mode.startswith("slow-accept:"):
                    # Kept (queued) before the answer, as a real server does: a client gone meanwhile never hears it.
                    await asyncio.sleep(int(mode.split(":")[1]))
                return "250 2.0.0 queued as test-%d" % count

        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        async def injecting_session(reader, writer):
            writer.write(b"220 test ESMTP\r\n")
            while True:
                line = await reader.readline()
                if not line:
                    break
                with open(os.path.join(folder, "commands"), "ab") as f:
                    f.write(line)
                command = line.strip().upper()
                if command.startswith(b"EHLO"):
                    writer.write(b"250-test\r\n250 STARTTLS\r\n")
                elif command == b"STARTTLS":
                    writer.write(b"220 ready\r\n250 injected\r\n")
                elif command == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    break
                else:
                    writer.write(b"250 ok\r\n")
                await writer.drain()
            writer.close()

        def serve_injecting(listener):
            loop = asyncio.new_event_loop()
            loop.run_until_complete(asyncio.start_server(injecting_session, sock=listener))
            loop.run_forever()

        if mode == "starttls-injection":
            # Listening before the port is reported: the kernel queues a client that comes before the loop runs, and
            # no other process can take the port between a probe and a bind.
            listener = socket.socket()
            listener.bind(("127.0.0.1", 0))
            listener.listen(16)
            port = listener.getsockname()[1]
            threading.Thread(target=serve_injecting, args=(listener,), daemon=True).start()
        elif certificate:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certificate[0], certificate[1])
            controller = Controller(
                Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
            )
            controller.start()
        else:
            controller = Controller(Handler(), hostname="127.0.0.1", port=port)
            controller.start()
        with open(port_file + ".part", "w") as f:
            f.write(str(port))
        os.rename(port_file + ".part", port_file)
        # Ends with the test process: a test that fails before its stop() must not leave a server behind.
        parent = os.getppid()
        while os.getppid() == parent:
            time.sleep(1)
        """#

    /// `certificate`: a server certificate and key (``TestCertificates``) to offer STARTTLS with, and require it.
    init(mode: Mode, certificate: (certificate: URL, key: URL)? = nil) async throws {
        let folder = try TestBroker.temporaryDirectory()
        let scriptFile = folder.appendingPathComponent("smtp_server.py")
        try Data(Self.script.utf8).write(to: scriptFile)
        let mail = folder.appendingPathComponent("mail")
        try FileManager.default.createDirectory(at: mail, withIntermediateDirectories: true)
        let portFile = folder.appendingPathComponent("port")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", scriptFile.path, mode.argument, mail.path, portFile.path]
            + (certificate.map { [$0.certificate.path, $0.key.path] } ?? [])
        try process.run()
        var port: Int?
        // Generous: the machine may be busy rendering for other tests, and Python starts slowly then.
        _ = await TestBroker.eventually(timeout: .seconds(45)) {
            port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0) }
            return port != nil
        }
        guard let port else {
            process.terminate()
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "aiosmtpd did not start"])
        }
        self.port = port
        self.folder = mail
        self.process = process
    }

    /// The messages accepted so far, in order, as raw bytes.
    var accepted: [Data] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".eml") }.sorted()
        return names.compactMap { try? Data(contentsOf: folder.appendingPathComponent($0)) }
    }

    /// How many messages were offered (accepted or refused at the end of the message).
    var offered: Int {
        (try? String(contentsOf: folder.appendingPathComponent("offered"), encoding: .utf8)).flatMap { Int($0) } ?? 0
    }

    /// The commands the ``Mode/startTLSInjection`` server received, one a line.
    var commands: String {
        (try? String(contentsOf: folder.appendingPathComponent("commands"), encoding: .utf8)) ?? ""
    }

    /// How many accepted messages came over TLS.
    var acceptedOverTLS: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".tls") }
            .count
    }

    func stop() {
        // Not `waitUntilExit()`, which spins on a thread without a run loop.
        kill(process.processIdentifier, SIGKILL)
    }
}

/// The parts of a received MIME message the tests look at.
struct ReceivedMail {
    var headers: [String: String]
    var text: String
    var pdf: Data

    init(_ raw: Data) throws {
        let message = String(decoding: raw, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        let headerEnd = try require_(message.range(of: "\n\n"), "no header end")
        var headers: [String: String] = [:]
        // Unfolded first (RFC 5322 2.2.3): a line that starts with white space continues the field before it.
        var fields: [String] = []
        for line in message[..<headerEnd.lowerBound].split(separator: "\n") {
            if let first = line.first, first == " " || first == "\t", !fields.isEmpty {
                fields[fields.count - 1] += line
            } else {
                fields.append(String(line))
            }
        }
        for line in fields {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon]).lowercased()] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces)
        }
        let contentType = headers["content-type"] ?? ""
        let boundary = try require_(
            contentType.components(separatedBy: "boundary=\"").last?.components(separatedBy: "\"").first,
            "no boundary"
        )
        let parts = message.components(separatedBy: "--\(boundary)").dropFirst().filter { !$0.hasPrefix("--") }
        var text = ""
        var pdf = Data()
        for part in parts {
            guard let split = part.range(of: "\n\n") else { continue }
            let partHeaders = part[..<split.lowerBound].lowercased()
            let body = part[split.upperBound...].replacingOccurrences(of: "\n", with: "")
            let data = Data(base64Encoded: body) ?? Data()
            if partHeaders.contains("application/pdf") { pdf = data }
            if partHeaders.contains("text/plain") { text = String(decoding: data, as: UTF8.self) }
        }
        self.headers = headers
        self.text = text
        self.pdf = pdf
    }

    /// The PDF's text as poppler's `pdftotext` extracts it in reading order, no-break spaces as spaces.
    func pdfText() async throws -> String { try await PDFText.extract(pdf) }
}

/// Text from a PDF through poppler-utils' `pdftotext`.
enum PDFText {
    static func extract(_ pdf: Data) async throws -> String {
        let folder = try TestBroker.temporaryDirectory()
        let input = folder.appendingPathComponent("in.pdf")
        let output = folder.appendingPathComponent("out.txt")
        try pdf.write(to: input)
        let run = try await ChildProcessRunner.run(
            "pdftotext",
            ["-enc", "UTF-8", input.path, output.path],
            timeout: .seconds(60)
        )
        guard run.status == 0 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "pdftotext failed"])
        }
        return try String(contentsOf: output, encoding: .utf8).replacingOccurrences(of: "\u{00A0}", with: " ")
    }
}

/// Unwraps or throws with `message` (a `#require` usable outside a test function's body).
func require_<T>(_ value: T?, _ message: String) throws -> T {
    guard let value else { throw CocoaError(.coderValueNotFound, userInfo: [NSLocalizedDescriptionKey: message]) }
    return value
}
