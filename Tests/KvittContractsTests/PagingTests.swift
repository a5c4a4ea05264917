import Foundation
import KvittContracts
import Testing

/// The one page shape of every list: the request's bounds and the envelope's `nextOffset`.
@Suite("Paging of the read APIs' lists")
struct PagingTests {
    private func query(_ pairs: [(String, String)]) throws -> QueryParameters {
        try QueryParameters(pairs.map { (name: $0.0, value: $0.1) }, known: PageRequest.parameterNames)
    }

    @Test func aPageRequestReadsItsBoundsAndRefusesEverythingElse() throws {
        #expect(try PageRequest(query([])) == PageRequest(limit: PageRequest.defaultLimit, offset: 0))
        #expect(
            try PageRequest(query([("limit", "5000"), ("offset", "10000000")])).sqlClause
                == "LIMIT 5001 OFFSET 10000000"
        )
        for (name, value) in [
            ("limit", "0"), ("limit", "5001"), ("offset", "-1"), ("offset", "10000001"), ("limit", "1e3"),
        ] {
            #expect(throws: InvalidQueryParameter.self, "\(name)=\(value)") { try PageRequest(query([(name, value)])) }
        }
        #expect(PageRequest(limit: .max, offset: .min) == PageRequest(limit: 5000, offset: 0), "clamped, never a trap")
    }

    @Test func theRowBeyondThePageSaysAnotherFollows() throws {
        let request = PageRequest(limit: 2, offset: 4)
        let more = ListPage(reading: ["a", "b", "c"], for: request)
        #expect(more.items == ["a", "b"] && more.nextOffset == 6 && more.offset == 4 && more.limit == 2)
        let last = ListPage(reading: ["a", "b"], for: request)
        #expect(last.items == ["a", "b"] && last.nextOffset == nil)
        #expect(ListPage(reading: [String](), for: request).nextOffset == nil)
        #expect(more.map { $0.uppercased() }.items == ["A", "B"])
        // No next page beyond the largest offset a request may give: it would be refused.
        let edge = ListPage(reading: [1, 2, 3], for: PageRequest(limit: 2, offset: PageRequest.offsets.upperBound - 1))
        #expect(edge.items == [1, 2] && edge.nextOffset == nil)
    }

    @Test func theLastPageSaysNullAndAClientReadsItBack() throws {
        let encoded = try MessageCoding.encode(ListPage(reading: [1], for: PageRequest(limit: 3)))
        let object = try JSONSerialization.jsonObject(with: Data(encoded)) as? [String: Any]
        #expect(object?.keys.sorted() == ["items", "limit", "nextOffset", "offset"])
        #expect(object?["nextOffset"] is NSNull)
        let decoded = try MessageCoding.decode(ListPage<Int>.self, from: encoded)
        #expect(decoded.items == [1] && decoded.nextOffset == nil && decoded.limit == 3)
    }
}
