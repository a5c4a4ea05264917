import Foundation

/// An RFC 5322 message with a text part and one PDF attachment (MIME multipart/mixed), all parts base64 so every
/// line is short ASCII whatever the text holds; the header fields built from data go through ``MailHeader``.
enum SMTPMessage {
    static func make(
        from: String,
        to: String,
        subject: String,
        text: String,
        attachmentName: String,
        pdf: Data,
        messageID: String,
        date: Date
    ) throws(MailHeaderTooLong) -> [UInt8] {
        let boundary = "kvitt-\(UUID().uuidString)"
        let attachmentName = MailHeader.fileName(attachmentName)
        var lines = [
            try MailHeader.structured("From", from),
            try MailHeader.structured("To", to),
            MailHeader.unstructured("Subject", subject),
            "Date: \(rfc5322Date(date))",
            try MailHeader.structured("Message-ID", "<\(messageID)>"),
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed;",
            " boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        lines += base64Lines(Data(text.utf8))
        lines += [
            "--\(boundary)",
            "Content-Type: application/pdf; name=\"\(attachmentName)\"",
            "Content-Disposition: attachment; filename=\"\(attachmentName)\"",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        lines += base64Lines(pdf)
        lines.append("--\(boundary)--")
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    static func base64Lines(_ data: Data) -> [String] {
        data.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            .components(separatedBy: "\r\n")
            .filter { !$0.isEmpty }
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// The message as `DATA` carries it: a line that starts with `.` gets another (RFC 5321 4.5.2).
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 16)
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") { out.append(byte) }
            out.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        return out
    }
}
