import KvittContracts

/// BgMax records built field by field with the positions of docs/domain.md §2.3, for files with every record
/// type matching needs: payments (20), deductions (21), extra references (22, 23), texts (25), names (26) and
/// organisation numbers (29). ``file(_:marker:)`` adds the start, deposit and end records and checks nothing: a
/// test states the deposit total the file should have.
enum BgMaxRecords {
    /// A payment (20), deduction (21) or extra reference (22, 23). A code-2 reference is right-aligned.
    static func payment(
        _ type: String = "20",
        sender: String = "",
        reference: String,
        amount: Int64,
        code: Int,
        channel: Int = 1,
        serial: String,
        deductionCode: Int? = nil
    ) -> String {
        let field = code == 2 ? right(reference, 25) : left(reference, 25)
        return left(
            type + zeros(sender, 10) + field + zeros(String(amount), 18) + "\(code)\(channel)" + zeros(serial, 12)
                + "0" + (deductionCode.map(String.init) ?? (type == "21" ? "0" : "")),
            80
        )
    }

    static func extraReference(_ reference: String, amount: Int64, negative: Bool = false, serial: String) -> String {
        payment(negative ? "23" : "22", reference: reference, amount: amount, code: 2, serial: serial)
    }

    static func deduction(reference: String, amount: Int64, serial: String, code: Int = 3) -> String {
        payment("21", reference: reference, amount: amount, code: code, serial: serial, deductionCode: 0)
    }

    static func information(_ text: String) -> String { left("25" + text, 80) }

    static func name(_ name: String) -> String { left("26" + left(name, 35), 80) }

    static func city(_ city: String, country: String = "", code: String = "") -> String {
        left("28" + left(city, 35) + left(country, 35) + code, 80)
    }

    static func organisationNumber(_ number: String) -> String { left("29" + zeros(number, 12), 80) }

    /// A whole file of one deposit to `bankgiro` on `date`, with start, deposit and end records: the deposit's total
    /// is its payments less its deductions unless `total` says otherwise.
    static func file(
        bankgiro: String,
        date: String = "20260320",
        serial: String = "00001",
        marker: String = "P",
        written: String = "20260320063012123456",
        _ records: [String],
        total: Int64? = nil
    ) -> String {
        func amount(_ record: String) -> Int64 { Int64(record.dropFirst(37).prefix(18)) ?? 0 }
        let payments = records.filter { $0.hasPrefix("20") }
        let deductions = records.filter { $0.hasPrefix("21") }
        let extras = records.filter { $0.hasPrefix("22") || $0.hasPrefix("23") }
        let sum = payments.map(amount).reduce(0, +) - deductions.map(amount).reduce(0, +)
        let lines =
            [
                left("01BGMAX               01" + written + marker, 80),
                left("05" + zeros(bankgiro, 10) + left("", 10) + "SEK", 80),
            ]
            + records
            + [
                left(
                    "15" + zeros("50000001234567", 35) + date + serial + zeros(String(total ?? sum), 18) + "SEK"
                        + zeros(String(payments.count + deductions.count), 8),
                    80
                ),
                left(
                    "70" + [payments.count, deductions.count, extras.count, 1].map { zeros(String($0), 8) }.joined(),
                    80
                ),
            ]
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The bytes of a file in ISO-8859-1.
    static func latin1(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
    }

    static func left(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    static func right(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    static func zeros(_ digits: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
