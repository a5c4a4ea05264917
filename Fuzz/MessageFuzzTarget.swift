import KvittContracts

/// Fuzz target `messages`: any bytes as the body of any message type Kvitt knows.
///
/// The input is `<selector>\n<body>`. The selector (the bytes before the first line feed, all of them when there is
/// none) picks the type: the catalogue type with that wire name when it is one (`MessageCatalogue.type(named:)`, so a
/// seed written as `invoicing.create-invoice.v1\n{…}` fuzzes that type whatever its place in the catalogue), otherwise
/// the type at a hash of the selector modulo the catalogue's size, so that a mutated selector still reaches every type.
/// The body is decoded with `MessageCoding`, the one JSON configuration every service uses. Decoding must refuse a
/// body with a `DecodingError`, never trap. A message it accepts must encode again (a service re-publishes what it
/// parks or retries), with `BodyEncoder` giving byte for byte what Foundation's encoder gives, and what it encodes
/// must decode to a message that encodes the same.
///
/// Each run also reads the selector as a wire name (`MessageType(wireName:)`), the form a delivery's `type` has.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let bytes = input.rest()
    let lineFeed = bytes.firstIndex(of: 0x0A)
    let selector = Array(bytes[..<(lineFeed ?? bytes.endIndex)])
    let body = lineFeed.map { Array(bytes[($0 + 1)...]) } ?? []
    let name = String(decoding: selector, as: UTF8.self)
    checkWireName(name)
    let type = MessageCatalogue.type(named: name) ?? typeByHash(of: selector)
    roundTrip(type, body)
    return 0
}

/// A catalogue type for a selector that names none: a stable choice, spread over the whole catalogue.
private func typeByHash(of selector: [UInt8]) -> any KvittMessage.Type {
    let types = MessageCatalogue.all
    var hash: UInt = 5381
    for byte in selector { hash = hash &* 33 &+ UInt(byte) }
    return types[Int(hash % UInt(types.count))]
}

private func roundTrip<Message: KvittMessage>(_ type: Message.Type, _ body: [UInt8]) {
    guard let message = try? MessageCoding.decode(Message.self, from: body) else { return }
    let name = Message.messageType
    let encoded: [UInt8]
    do {
        encoded = try MessageCoding.encode(message)
    } catch {
        fail("\(name): an accepted message does not encode: \(error)")
    }
    let reference = try? MessageCoding.foundationEncode(message)
    require(
        reference == encoded,
        "\(name): BodyEncoder wrote \(String(decoding: encoded, as: UTF8.self)), JSONEncoder "
            + (reference.map { String(decoding: $0, as: UTF8.self) } ?? "threw")
    )
    let again: Message
    do {
        again = try MessageCoding.decode(Message.self, from: encoded)
    } catch {
        fail("\(name): its own encoding \(String(decoding: encoded, as: UTF8.self)) does not decode: \(error)")
    }
    require((try? MessageCoding.encode(again)) == encoded, "\(name): decoding its own encoding changed it")
}

private func checkWireName(_ text: String) {
    guard let type = MessageType(wireName: text) else { return }
    require(type.version > 0, "well-formed wire name \(text) without a version")
    require(!type.owner.isEmpty, "well-formed wire name \(text) without an owner")
    if let known = MessageCatalogue.type(named: text) { require(known.messageType == type, "catalogue lookup") }
}
