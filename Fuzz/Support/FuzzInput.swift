/// The bytes libFuzzer hands a target, read front to back: a few bytes that steer the target (which type, which
/// control level, how many days), then the rest as the text or body under test.
///
/// Reading past the end yields zeros rather than failing, so that every input, however short, is a valid run.
struct FuzzInput {
    private var remaining: ArraySlice<UInt8>

    init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        remaining = ArraySlice(UnsafeBufferPointer(start: data, count: size))
    }

    init(_ bytes: [UInt8]) {
        remaining = ArraySlice(bytes)
    }

    /// Whether every byte has been read.
    var isEmpty: Bool { remaining.isEmpty }

    /// The next byte, or 0 at the end.
    mutating func byte() -> UInt8 {
        remaining.popFirst() ?? 0
    }

    /// The next eight bytes as a big-endian integer; missing bytes count as 0.
    mutating func int64() -> Int64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(byte()) }
        return Int64(bitPattern: value)
    }

    /// The next four bytes as a big-endian signed integer; missing bytes count as 0.
    mutating func int32() -> Int32 {
        var value: UInt32 = 0
        for _ in 0..<4 { value = value << 8 | UInt32(byte()) }
        return Int32(bitPattern: value)
    }

    /// The next `count` bytes, fewer at the end.
    mutating func bytes(_ count: Int) -> [UInt8] {
        let taken = remaining.prefix(count)
        remaining = remaining.dropFirst(count)
        return Array(taken)
    }

    /// Everything not read yet.
    mutating func rest() -> [UInt8] {
        defer { remaining = [] }
        return Array(remaining)
    }

    /// Everything not read yet as text; invalid UTF-8 becomes U+FFFD, as a JSON decoder or a form would see it.
    mutating func restAsText() -> String {
        String(decoding: rest(), as: UTF8.self)
    }
}

/// Stops the run with a message when a promise of the code under test does not hold. libFuzzer records the input
/// that got here as a crash, which is the point: a broken invariant is a finding like a trap is.
func require(
    _ condition: @autoclosure () -> Bool,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) {
    guard condition() else { fatalError("invariant broken: \(message())", file: file, line: line) }
}

/// Stops the run with a message: for the branch of an invariant that has no value to go on with.
func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("invariant broken: \(message)", file: file, line: line)
}
