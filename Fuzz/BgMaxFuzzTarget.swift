import KvittContracts

/// Fuzz target `bgmax`: any bytes as a BgMax file.
///
/// The parser must refuse what does not add up with a `BgMaxError`, never trap. A file it accepts must keep the
/// promises `BgMaxFile` documents (the end record's counts are what the file holds; every deposit's total is its
/// payments less its deductions; every payment has its main reference), must render for an operator
/// (`summary()`), and must survive the JSON round trip `kvitt bgmax show --json` relies on.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? BgMaxParser.parse(bytes) else { return 0 }
    checkCounts(file)
    checkDeposits(file)
    _ = file.summary()
    checkJSONRoundTrip(file)
    return 0
}

private func checkCounts(_ file: BgMaxFile) {
    let payments = file.deposits.flatMap(\.payments)
    require(file.counts.deposits == file.deposits.count, "deposit count \(file.counts.deposits)")
    require(
        file.counts.payments == payments.filter { $0.kind == .payment }.count,
        "payment count \(file.counts.payments)"
    )
    require(
        file.counts.deductions == payments.filter { $0.kind == .deduction }.count,
        "deduction count \(file.counts.deductions)"
    )
    require(
        file.counts.extraReferences == payments.reduce(0) { $0 + $1.extraReferences.count },
        "extra reference count \(file.counts.extraReferences)"
    )
}

private func checkDeposits(_ file: BgMaxFile) {
    for deposit in file.deposits {
        var sum = Money.zero(deposit.currency)
        for payment in deposit.payments {
            require(!payment.references.isEmpty, "payment \(payment.serialNumber) without its main reference")
            require(payment.amount.amount >= 0, "negative amount in payment \(payment.serialNumber)")
            require(payment.amount.currency == deposit.currency, "payment currency differs from its deposit")
            // The parser refuses a deposit whose sum overflows, so the sum of an accepted one cannot.
            guard let next = try? sum.adding(payment.signedAmount) else {
                fail("deposit \(deposit.depositSerialNumber): the sum of its payments overflows")
            }
            sum = next
        }
        require(sum == deposit.total, "deposit \(deposit.depositSerialNumber): total \(deposit.total) ≠ \(sum)")
    }
}

private func checkJSONRoundTrip(_ file: BgMaxFile) {
    guard let encoded = try? MessageCoding.encode(file) else { fail("an accepted file does not encode as JSON") }
    require((try? MessageCoding.foundationEncode(file)) == encoded, "BodyEncoder and JSONEncoder disagree")
    require((try? MessageCoding.decode(BgMaxFile.self, from: encoded)) == file, "the JSON round trip changes the file")
}
