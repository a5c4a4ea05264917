import Foundation
import KvittTesting
import Testing

@testable import Delivery

/// Header fields built from data: encoded-words of at most 75 characters, lines folded to 78, no header injection;
/// the message read back by Python's `email` package (an independent RFC 5322 / 2047 parser).
struct MailHeaderTests {
    /// 2,000 characters with å, ä and ö, and a line break that would start a `Bcc` field if it got through.
    static let creditorName: String = {
        let part = String(repeating: "Åkerö Bygg & Målning i Täby ", count: 36)
        let name = part + "\r\nBcc: x@y" + part
        return String(name.prefix(2_000))
    }()

    static func message(subject: String, documentID: String = "invoice-7001") throws -> String {
        let bytes = try SMTPMessage.make(
            from: "faktura@kvitt.test",
            to: "anna@example.se",
            subject: subject,
            text: "Hej",
            attachmentName: "invoice-\(String(repeating: "7", count: 300)).pdf",
            pdf: Data("%PDF-1.4\n".utf8),
            messageID: "\(MailHeader.messageIDLeft(documentID, channel: "email"))@kvitt.delivery",
            date: Date(timeIntervalSince1970: 1_800_000_000)
        )
        return String(decoding: bytes, as: UTF8.self)
    }

    static func headerLines(_ message: String) -> [Substring] {
        let end = message.range(of: "\r\n\r\n")!.lowerBound
        return message[..<end].split(separator: "\r\n", omittingEmptySubsequences: false)
    }

    @Test func aLongSwedishCreditorNameWithALineBreakStaysInItsSubject() async throws {
        #expect(Self.creditorName.count == 2_000)
        let subject = "Faktura 7001 – \(Self.creditorName)"
        let documentID = "invoice-" + String(repeating: "ä1", count: 1_000)
        let message = try Self.message(subject: subject, documentID: documentID)
        let lines = Self.headerLines(message)

        for line in lines {
            #expect(
                line.count <= MailHeader.recommendedLineLength,
                "a header line of \(line.count): \(line.prefix(90))"
            )
            #expect(!line.lowercased().hasPrefix("bcc"), "an injected field: \(line)")
            #expect(line.unicodeScalars.allSatisfy { $0.isASCII }, "raw non-ASCII in a header: \(line.prefix(90))")
        }
        let encodedWords = lines.flatMap { $0.split(separator: " ") }.filter { $0.hasPrefix("=?") }
        #expect(encodedWords.count > 20, "the subject is split into many encoded-words")
        for word in encodedWords { #expect(word.count <= MailHeader.maximumEncodedWordLength, "\(word)") }

        // Python's parser: the subject comes back whole (the line break a space), there is no Bcc, no defect.
        let parsed = try await Self.parsedByPython(message)
        // The part before the break ends in a space: the break leaves no second one.
        #expect(parsed["subject"] as? String == subject.replacingOccurrences(of: " \r\n", with: " "))
        #expect(parsed["bcc"] is NSNull, "Bcc: \(String(describing: parsed["bcc"]))")
        #expect(parsed["defects"] as? [String] == [], "defects: \(String(describing: parsed["defects"]))")
        #expect(parsed["to"] as? String == "anna@example.se")
        let messageID = try #require(parsed["message-id"] as? String)
        #expect(messageID.hasSuffix(".email@kvitt.delivery>"))
        let again = try await Self.parsedByPython(Self.message(subject: "x", documentID: documentID))
        #expect(messageID == again["message-id"] as? String, "the same document has the same Message-ID every attempt")
        #expect(
            messageID
                != (try await Self.parsedByPython(Self.message(subject: "x", documentID: documentID + "2"))[
                    "message-id"
                ]
                    as? String),
            "two long ids that share their start still differ"
        )
        let filename = try #require(parsed["filename"] as? String)
        #expect(filename.hasPrefix("invoice-777") && filename.hasSuffix(".pdf"))
    }

    @Test func plainTextFoldsAtItsSpacesAndAnUnbreakableWordIsEncoded() throws {
        let words = Array(repeating: "Bygg", count: 500).joined(separator: " ")
        let folded = MailHeader.unstructured("Subject", words)
        let lines = folded.components(separatedBy: "\r\n")
        #expect(lines.count > 20)
        #expect(lines.allSatisfy { $0.count <= MailHeader.recommendedLineLength })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") }, "continuation lines start with white space")
        #expect(MIMEHeader.decoded(String(lines.joined().dropFirst("Subject: ".count))) == words)

        let unbreakable = String(repeating: "x", count: 1_500)
        let encoded = MailHeader.unstructured("Subject", unbreakable).components(separatedBy: "\r\n")
        #expect(encoded.allSatisfy { $0.count <= MailHeader.recommendedLineLength })
        #expect(MIMEHeader.decoded(String(encoded.joined().dropFirst("Subject: ".count))) == unbreakable)

        #expect(MailHeader.singleLine("a\r\nBcc: x@y\u{2028}b\tc") == "a Bcc: x@y b c")
    }

    /// The message as Python's `email.policy.default` reads it.
    static func parsedByPython(_ message: String) async throws -> [String: Any] {
        let folder = try TestBroker.temporaryDirectory()
        let file = folder.appendingPathComponent("message.eml")
        try Data(message.utf8).write(to: file)
        let script = """
            import email, email.policy, json, sys
            m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
            parts = [p for p in m.iter_attachments()]
            print(json.dumps({
                "subject": str(m["subject"]), "to": str(m["to"]), "message-id": str(m["message-id"]),
                "bcc": None if m["bcc"] is None else str(m["bcc"]),
                "filename": parts[0].get_filename() if parts else None,
                "defects": [type(d).__name__ for d in m.defects]
                    + [type(d).__name__ for name in m.keys() for d in m[name].defects],
            }))
            """
        let run = try await ChildProcessRunner.run("python3", ["-c", script, file.path], timeout: .seconds(30))
        #expect(run.status == 0, "python: \(run.errorText)")
        return try JSONSerialization.jsonObject(with: run.standardOutput) as? [String: Any] ?? [:]
    }
}

/// What a failure's detail keeps and loses before it leaves the service.
struct FailureDetailTests {
    @Test func addressesAndIdentityNumbersAreMaskedAndTheRestKept() {
        let detail =
            "550 5.1.1 <anna.andersson+faktura@example.se>: user unknown; to: Åsa@post.example.se; "
            + "quoted 19811218-9876 and 8112189876, OCR 70011234567, at 12:00"
        let masked = FailureDetail.masked(detail)
        #expect(
            masked
                == "550 5.1.1 <***@example.se>: user unknown; to: ***@post.example.se; "
                + "quoted 19811218-**** and 811218****, OCR 70011234567, at 12:00"
        )
        #expect(FailureDetail.masked("451 4.3.0 try again later") == "451 4.3.0 try again later")
        #expect(FailureDetail.masked("a @ sign alone, user@localhost") == "a @ sign alone, user@localhost")
    }
}
