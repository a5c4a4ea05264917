import KvittContracts

/// One payout request file for Skatteverket's e-service "Rot och rut – företag", ready to upload.
struct ClaimFile: Sendable, Equatable {
    /// The request name (`NamnPaBegaran`), 1–16 characters; a suffix `-1`, `-2`, … tells the files of a split
    /// batch apart.
    let name: String
    /// ROT or RUT.
    let kind: ClaimKind
    /// The year every buyer in the file paid.
    let year: Int
    /// The ärenden in the file, at most 100, in the order they appear in ``xml``.
    let claims: [BuyerClaim]
    /// The file itself: UTF-8 XML following schema V6.
    let xml: String

    /// The last day Skatteverket accepts the request: 31 January of the year after the payment year.
    var deadline: CalendarDate { ClaimFileBuilder.deadline(forPaymentYear: year) }
}
