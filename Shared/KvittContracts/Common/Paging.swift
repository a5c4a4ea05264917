/// Which page of a list a read-API request asks for: `limit` rows from `offset`, both checked.
///
/// Every list of the read APIs takes these two parameters and answers a ``ListPage``; the database reads one row more
/// than the page (``rowsToRead``) so the answer can say whether another page follows without counting the whole list.
public struct PageRequest: Sendable, Equatable {
    /// The names of the two parameters, for an endpoint's set of known parameters.
    public enum Parameter: String, Sendable, CaseIterable {
        case limit, offset
    }

    /// The page sizes a request may ask for.
    public static let limits = 1...5000
    /// The offsets a request may ask for: enough for any book of invoices, small enough for SQLite.
    public static let offsets = 0...10_000_000
    /// The page size when the request names none.
    public static let defaultLimit = 500
    /// The parameter names, to add to an endpoint's known parameters.
    public static let parameterNames = Set(Parameter.allCases.map(\.rawValue))

    /// At most this many rows.
    public let limit: Int
    /// Rows skipped before the page.
    public let offset: Int

    /// A page; values outside ``limits`` and ``offsets`` are brought inside them.
    public init(limit: Int = PageRequest.defaultLimit, offset: Int = 0) {
        self.limit = min(max(limit, Self.limits.lowerBound), Self.limits.upperBound)
        self.offset = min(max(offset, Self.offsets.lowerBound), Self.offsets.upperBound)
    }

    /// Reads `limit` and `offset` from a checked query.
    /// - Throws: ``InvalidQueryParameter`` naming a value that is not a whole number within its range.
    public init(_ query: QueryParameters) throws(InvalidQueryParameter) {
        self.init(
            limit: try query.integer(Parameter.limit.rawValue, in: Self.limits) ?? Self.defaultLimit,
            offset: try query.integer(Parameter.offset.rawValue, in: Self.offsets) ?? 0
        )
    }

    /// How many rows to read: one more than the page, to learn whether another page follows.
    public var rowsToRead: Int { limit + 1 }

    /// `LIMIT … OFFSET …` for a query that reads the page (with its one extra row).
    public var sqlClause: String { "LIMIT \(rowsToRead) OFFSET \(offset)" }
}

/// One page of a list, as every list of the read APIs answers it:
/// `{"items": […], "limit": 500, "offset": 0, "nextOffset": 500}`, with `nextOffset` null on the last page.
public struct ListPage<Item> {
    /// The rows of this page, at most `limit`.
    public let items: [Item]
    /// The page size asked for.
    public let limit: Int
    /// Where this page starts.
    public let offset: Int
    /// Where the next page starts, or nil when this is the last one.
    public let nextOffset: Int?

    /// The page from the rows read for `request` (up to ``PageRequest/rowsToRead``): a row beyond the page means
    /// another page follows.
    public init(reading rows: [Item], for request: PageRequest) {
        items = Array(rows.prefix(request.limit))
        limit = request.limit
        offset = request.offset
        // Past the largest offset a request may give there is no next page to ask for: a list is read to its first
        // ``PageRequest/offsets`` rows.
        let next = request.offset + request.limit
        nextOffset = rows.count > request.limit && PageRequest.offsets.contains(next) ? next : nil
    }

    /// The same page with its items changed (for lists read as records and shown as views).
    public func map<Other>(_ transform: (Item) throws -> Other) rethrows -> ListPage<Other> {
        ListPage<Other>(items: try items.map(transform), limit: limit, offset: offset, nextOffset: nextOffset)
    }

    private init(items: [Item], limit: Int, offset: Int, nextOffset: Int?) {
        self.items = items
        self.limit = limit
        self.offset = offset
        self.nextOffset = nextOffset
    }

    // `nextOffset` is written as null on the last page rather than left out, so a client tests one field.
    fileprivate enum CodingKeys: String, CodingKey {
        case items, limit, offset, nextOffset
    }
}

extension ListPage: Sendable where Item: Sendable {}

extension ListPage: Encodable where Item: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(limit, forKey: .limit)
        try container.encode(offset, forKey: .offset)
        try container.encode(nextOffset, forKey: .nextOffset)
    }
}

extension ListPage: Decodable where Item: Decodable {
    /// Reads a page as a client receives it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        items = try container.decode([Item].self, forKey: .items)
        limit = try container.decode(Int.self, forKey: .limit)
        offset = try container.decode(Int.self, forKey: .offset)
        nextOffset = try container.decodeIfPresent(Int.self, forKey: .nextOffset)
    }
}
