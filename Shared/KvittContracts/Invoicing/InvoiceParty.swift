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
    /// How the debtor wants invoices and letters: delivery uses it when it can (Peppol for invoices and credit
    /// invoices only), else e-mail when there is an address, else print. Absent in messages from before it existed.
    public var preferredChannel: DeliveryChannel?
    /// The debtor's Peppol participant id, `<ICD scheme>:<identifier>` (e.g. `0007:5567788999`), for e-invoices.
    public var peppolID: String?

    public init(
        kind: String,
        name: String,
        identityNumber: String? = nil,
        country: String? = nil,
        address: Address? = nil,
        email: String? = nil,
        preferredChannel: DeliveryChannel? = nil,
        peppolID: String? = nil
    ) {
        self.kind = kind
        self.name = name
        self.identityNumber = identityNumber
        self.country = country
        self.address = address
        self.email = email
        self.preferredChannel = preferredChannel
        self.peppolID = peppolID
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
