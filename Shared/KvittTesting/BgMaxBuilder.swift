/// Builds BgMax (Bankgiro Inbetalningar) files for tests and benchmarks: 80-character records with the positions of
/// docs/domain.md §2.3.
public enum BgMaxBuilder {
    /// One deposit (05 … 15) to a bankgiro on a payment day.
    public struct Deposit: Sendable {
        public let bankgiro: String
        /// `YYYYMMDD`.
        public let date: String
        public let serial: String
        public let records: [String]
        /// The 15 record's total and count; by default what the records add up to (payments less deductions).
        public let total: Int64
        public let count: Int

        public init(
            bankgiro: String,
            date: String,
            serial: String,
            records: [String],
            total: Int64? = nil,
            count: Int? = nil
        ) {
            self.bankgiro = bankgiro
            self.date = date
            self.serial = serial
            self.records = records
            self.total =
                total
                ?? records.reduce(0) { sum, record in
                    let amount = Int64(record.dropFirst(37).prefix(18)) ?? 0
                    return record.hasPrefix("20") ? sum + amount : record.hasPrefix("21") ? sum - amount : sum
                }
            self.count = count ?? records.filter { $0.hasPrefix("20") || $0.hasPrefix("21") }.count
        }
    }

    public static func pad(_ text: String, _ length: Int, right: Bool = false, fill: Character = " ") -> String {
        let padding = String(repeating: fill, count: max(0, length - text.count))
        return right ? padding + text : text + padding
    }

    static func amount(_ ore: Int64) -> String { pad(String(ore), 18, right: true, fill: "0") }

    /// A payment (20) or deduction (21); an OCR reference (code 2) is right-aligned as the format requires.
    public static func payment(reference: String, amount ore: Int64, code: Int, serial: String, type: String = "20")
        -> String
    {
        pad(
            type + pad("", 10, fill: "0") + pad(reference, 25, right: code == 2) + amount(ore) + "\(code)" + "1"
                + pad(serial, 12, right: true, fill: "0") + "0" + (type == "21" ? "0" : " "),
            80
        )
    }

    public static func deduction(reference: String, amount: Int64, serial: String) -> String {
        payment(reference: reference, amount: amount, code: 3, serial: serial, type: "21")
    }

    /// An extra reference (22) carrying a verified OCR with no amount of its own, as in Bankgirot's samples.
    public static func extraReference(_ ocr: String, serial: String) -> String {
        pad(
            "22" + pad("", 10, fill: "0") + pad(ocr, 25, right: true) + amount(0) + "2" + "1"
                + pad(serial, 12, right: true, fill: "0") + "0",
            80
        )
    }

    /// The whole file: start record, the deposits, and an end record with the right counts; CRLF line ends.
    public static func file(deposits: [Deposit]) -> [UInt8] {
        // Marked `P` (production): payment-matching refuses to book a `T` (test) file unless told to.
        var lines = [pad("01BGMAX               0120260320063012123456P", 80)]
        var payments = 0
        var deductions = 0
        var extras = 0
        for deposit in deposits {
            lines.append(pad("05" + pad(deposit.bankgiro, 10, right: true, fill: "0") + pad("", 10) + "SEK", 80))
            for record in deposit.records {
                if record.hasPrefix("20") { payments += 1 }
                if record.hasPrefix("21") { deductions += 1 }
                if record.hasPrefix("22") || record.hasPrefix("23") { extras += 1 }
            }
            lines += deposit.records
            lines.append(
                "15" + pad("", 35, fill: "0") + deposit.date + pad(deposit.serial, 5, right: true, fill: "0")
                    + amount(deposit.total) + "SEK" + pad(String(deposit.count), 8, right: true, fill: "0") + " "
            )
        }
        let counts = [payments, deductions, extras, deposits.count].map { pad(String($0), 8, right: true, fill: "0") }
        lines.append(pad("70" + counts.joined(), 80))
        return Array(lines.joined(separator: "\r\n").utf8)
    }
}
