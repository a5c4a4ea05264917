/// The debtor of an invoice.
public struct Debtor: Codable, Sendable, Equatable {
    /// `private` or `company`.
    public var kind: String
    public var name: String
    /// Personnummer or samordningsnummer (private), organisationsnummer (company); optional for foreign debtors.
    public var identityNumber: String?
    /// ISO 3166 alpha-2 country; `SE` when absent.
    public var country: String?
    public var address: Address?
    public var email: String?

    public init(
        kind: String,
        name: String,
        identityNumber: String? = nil,
        country: String? = nil,
        address: Address? = nil,
        email: String? = nil
    ) {
        self.kind = kind
        self.name = name
        self.identityNumber = identityNumber
        self.country = country
        self.address = address
        self.email = email
    }

    /// Whether the debtor is Swedish (no country, or `SE`).
    public var isDomestic: Bool { (country ?? "SE").uppercased() == "SE" }

    /// A postal address.
    public struct Address: Codable, Sendable, Equatable {
        public var street: String
        public var postalCode: String
        public var city: String
        public init(street: String, postalCode: String, city: String) {
            self.street = street
            self.postalCode = postalCode
            self.city = city
        }
    }
}
