/// A benchmark that cannot finish says why instead of hanging: a lost message fails the run.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every `interval` (short, so that the measured time stays close to the moment it held) until it
/// holds; throws ``BenchFailure`` naming `what` when `timeout` passes first.
func waitUntil(
    _ what: String,
    timeout: Duration = .seconds(300),
    interval: Duration = .milliseconds(5),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw BenchFailure("timed out waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}
