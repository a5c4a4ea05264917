import KvittContracts
import Testing

@Suite("Message bundles and random identifiers")
struct MessageBundleTests {
    let entries = [
        MessageBundle.Entry(messageID: "first", body: Array(#"{"key":"a","total":1}"#.utf8)),
        MessageBundle.Entry(messageID: "andra-ö", body: Array(#"{"key":"a","total":3}"#.utf8)),
        MessageBundle.Entry(messageID: "third", body: []),
    ]

    @Test func aBundleReadsBackAsItsMessagesInOrder() throws {
        let body = MessageBundle.encode(entries)
        #expect(try MessageBundle.decode(body) == entries)
        #expect(try MessageBundle.decode(body, expectedCount: 3) == entries)
        #expect(try MessageBundle.decode([]) == [])
        // 4-byte big-endian length, then the id's UTF-8 bytes.
        #expect(Array(body.prefix(9)) == [0, 0, 0, 5] + Array("first".utf8))
    }

    @Test func aDamagedBundleSaysWhereItBroke() throws {
        let body = MessageBundle.encode(entries)
        #expect(throws: MessageBundle.Malformed.truncated(entry: 2)) {
            try MessageBundle.decode(Array(body.dropLast(2)))
        }
        #expect(throws: MessageBundle.Malformed.truncated(entry: 0)) { try MessageBundle.decode([0, 0, 0]) }
        #expect(throws: MessageBundle.Malformed.countMismatch(header: 4, body: 3)) {
            try MessageBundle.decode(body, expectedCount: 4)
        }
        #expect(throws: MessageBundle.Malformed.emptyMessageID(entry: 0)) {
            try MessageBundle.decode([0, 0, 0, 0, 0, 0, 0, 0])
        }
        #expect(throws: MessageBundle.Malformed.messageIDNotUTF8(entry: 0)) {
            try MessageBundle.decode([0, 0, 0, 1, 0xFF, 0, 0, 0, 0])
        }
        #expect(
            MessageBundle.Malformed.truncated(entry: 2).description == "bundle truncated in message 3"
        )
    }

    @Test func randomIdentifiersAreVersion4UUIDsInLowerCaseAndDoNotRepeat() {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = RandomIdentifier.make()
            let parts = id.split(separator: "-").map(String.init)
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12], "\(id)")
            #expect(id.allSatisfy { "0123456789abcdef-".contains($0) }, "\(id)")
            #expect(parts[2].first == "4", "version 4: \(id)")
            #expect("89ab".contains(parts[3].first!), "RFC 9562 variant: \(id)")
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
    }
}
