import Synchronization

/// A broker operation with a time limit. `AMQPClient.perform` waits for a connection as long as it takes (right for
/// a service, wrong for an operator's command that must report); past the limit the command goes on and reports,
/// and the abandoned operation ends with the process.
enum Deadline {
    struct Exceeded: Error, CustomStringConvertible {
        let limit: Duration
        var description: String { "no answer from the broker within \(limit)" }
    }

    /// Resumes its continuation once, with whichever result comes first.
    private final class Race<Value: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<Value, any Error>?>

        init(_ continuation: CheckedContinuation<Value, any Error>) {
            self.continuation = Mutex(continuation)
        }

        func finish(_ result: Result<Value, any Error>) {
            let waiting = continuation.withLock { current in
                defer { current = nil }
                return current
            }
            waiting?.resume(with: result)
        }
    }

    static func run<Value: Sendable>(
        _ limit: Duration,
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let race = Race(continuation)
            // Unstructured on purpose: a task group would wait for an operation that never answers.
            Task {
                do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: limit)
                race.finish(.failure(Exceeded(limit: limit)))
            }
        }
    }
}
