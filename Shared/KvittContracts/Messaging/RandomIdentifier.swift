import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Random (version 4) UUIDs in lower-case text, the form of every Kvitt message id and record id.
///
/// Foundation's `UUID()` on Linux opens and reads `/dev/urandom` for each one; a bank file makes four ids per
/// payment, and those system calls were a tenth of its matching time. Here the kernel's randomness is drawn 4 KiB
/// at a time (`arc4random_buf`), one system call per 256 identifiers. (A process that forks without exec would
/// share the buffer with its child; Kvitt only spawns.)
public enum RandomIdentifier {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private struct Pool: ~Copyable {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var next = 4096

        mutating func take() -> (UInt64, UInt64) {
            if next == bytes.count {
                bytes.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
                next = 0
            }
            defer { next += 16 }
            return bytes.withUnsafeBytes {
                (
                    $0.loadUnaligned(fromByteOffset: next, as: UInt64.self),
                    $0.loadUnaligned(fromByteOffset: next + 8, as: UInt64.self)
                )
            }
        }
    }

    private static let pool = Mutex(Pool())

    /// A new random UUID, as `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` in lower case.
    public static func make() -> String {
        var (high, low) = pool.withLock { $0.take() }
        // RFC 9562 §5.4: version 4 in the high nibble of octet 6, variant 10 in the top bits of octet 8.
        high = (high & ~0x0000_0000_0000_F000) | 0x0000_0000_0000_4000
        low = (low & ~0xC000_0000_0000_0000) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ value: UInt64, nibbles: Int, from shift: Int) {
                for index in 0..<nibbles {
                    let nibble = Int((value >> UInt64(shift - 4 * index)) & 0xF)
                    buffer[position] = hexDigits[nibble]
                    position += 1
                }
            }
            func dash() {
                buffer[position] = UInt8(ascii: "-")
                position += 1
            }
            put(high, nibbles: 8, from: 60)
            dash()
            put(high, nibbles: 4, from: 28)
            dash()
            put(high, nibbles: 4, from: 12)
            dash()
            put(low, nibbles: 4, from: 60)
            dash()
            put(low, nibbles: 12, from: 44)
            return position
        }
    }
}
