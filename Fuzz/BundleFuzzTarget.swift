import KvittAMQP
import KvittContracts

/// Fuzz target `bundle`: any bytes as the body of a bundle message, with a count header of any kind and value.
///
/// `MessageBundle.decode` must refuse a malformed body with `MessageBundle.Malformed`, never trap, and what it
/// accepts must be exactly what `MessageBundle.encode` writes for the entries it returns. The consumer's
/// `AMQPDelivery.unbundled()` must accept only a count in range that the body agrees with, and hand on each
/// message with its own id and body as a plain JSON message.
///
/// Input: a byte choosing the count header's kind (none, each integer kind, a string, a double, a decimal), eight
/// bytes of its value, a byte whose low bit chooses the bundle content type over JSON, then the body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let countHeader = countHeaderValue(kind: input.byte(), bits: input.int64())
    let isBundle = input.byte() & 1 == 1
    let body = input.rest()
    checkDecode(body, expectedCount: countHeader?.int64Value.map { Int($0) })
    checkUnbundled(body, countHeader: countHeader, isBundle: isBundle)
    return 0
}

/// The count header as a sender might set it: any field kind RabbitMQ could deliver, any value.
private func countHeaderValue(kind: UInt8, bits: Int64) -> AMQPValue? {
    switch kind % 12 {
    case 0: nil
    case 1: .int8(Int8(truncatingIfNeeded: bits))
    case 2: .uint8(UInt8(truncatingIfNeeded: bits))
    case 3: .int16(Int16(truncatingIfNeeded: bits))
    case 4: .uint16(UInt16(truncatingIfNeeded: bits))
    case 5: .int32(Int32(truncatingIfNeeded: bits))
    case 6: .uint32(UInt32(truncatingIfNeeded: bits))
    case 7: .int64(bits)
    case 8: .uint64(UInt64(bitPattern: bits))
    case 9: .string(String(bits))
    case 10: .double(Double(bitPattern: UInt64(bitPattern: bits)))
    default: .decimal(scale: UInt8(truncatingIfNeeded: bits >> 32), value: UInt32(truncatingIfNeeded: bits))
    }
}

private func checkDecode(_ body: [UInt8], expectedCount: Int?) {
    guard let entries = try? MessageBundle.decode(body, expectedCount: expectedCount) else { return }
    if let expectedCount {
        require(entries.count == expectedCount, "\(entries.count) messages, header \(expectedCount)")
    }
    require(entries.allSatisfy { !$0.messageID.isEmpty }, "a message without an id was accepted")
    require(MessageBundle.encode(entries) == body, "the entries do not encode back to the body they came from")
}

private func checkUnbundled(_ body: [UInt8], countHeader: AMQPValue?, isBundle: Bool) {
    var properties = AMQPProperties(
        contentType: isBundle ? MessageBundle.contentType : MessageEnvelope.jsonContentType,
        messageID: "bundle-id",
        type: "invoicing.invoice-paid.v1"
    )
    properties.headers["x-sender"] = "fuzz"
    if let countHeader { properties.headers[MessageBundle.countHeader] = countHeader }
    let delivery = AMQPDelivery(
        generation: 1,
        deliveryTag: 42,
        consumerTag: "consumer",
        exchange: "kvitt",
        routingKey: "invoicing.invoice-paid.v1",
        redelivered: false,
        properties: properties,
        body: body
    )
    guard let messages = try? delivery.unbundled() else {
        require(isBundle, "a plain JSON message was refused as a bundle")
        return
    }
    guard isBundle else {
        require(messages.count == 1 && messages[0].body == body, "a plain JSON message was changed")
        return
    }
    guard let count = countHeader?.int64Value else { fail("a bundle without a usable count header was accepted") }
    require((2...Int64(MessageBundle.maximumCount)).contains(count), "a bundle of \(count) messages was accepted")
    require(messages.count == count, "\(messages.count) messages in a bundle whose header says \(count)")
    guard let entries = try? MessageBundle.decode(body) else { fail("an accepted bundle does not decode") }
    for (message, entry) in zip(messages, entries) {
        require(message.properties.messageID == entry.messageID, "a message lost its own id")
        require(message.body == entry.body, "a message lost its body")
        require(message.properties.contentType == MessageEnvelope.jsonContentType, "not handed on as JSON")
        require(message.properties.headers[MessageBundle.countHeader] == nil, "the count header was handed on")
        require(message.properties.headers["x-sender"] == "fuzz", "the bundle's other headers were dropped")
        require(message.deliveryTag == delivery.deliveryTag, "a message cannot acknowledge its bundle")
    }
}
