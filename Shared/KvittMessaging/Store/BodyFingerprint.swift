/// A 64-bit fingerprint of a message body (FNV-1a), kept in the inbox beside the message id.
///
/// It tells a redelivery (the same body) from another message that reuses the id. It guards against accidents
/// (two senders numbering ids the same way), not against a sender forging a collision on purpose: such a sender
/// can already publish anything it likes under a fresh id. Not a cryptographic hash, so that no library is needed
/// for it and it costs about a nanosecond a byte; stable across processes and versions, since it is stored.
enum BodyFingerprint {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    static func of(_ body: [UInt8]) -> Int64 {
        var hash = offsetBasis
        body.withUnsafeBufferPointer { bytes in
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= prime
            }
        }
        return Int64(bitPattern: hash)
    }
}
