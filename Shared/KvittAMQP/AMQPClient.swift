import Logging
import Synchronization

/// A connection for one-off operations (declare, inspect, `basic.get`, delete), run in order on its thread.
///
/// An operation that fails makes the connection reconnect, because a broker error closes the channel.
public final class AMQPClient: Sendable {
    private let role: OperationsRole
    private let driver: AMQPConnectionDriver

    public init(url: AMQPURL, options: AMQPSession.Options, topology: AMQPTopology = AMQPTopology(), logger: Logger) {
        role = OperationsRole()
        driver = AMQPConnectionDriver(url: url, options: options, topology: topology, role: role, logger: logger)
        role.wake = { [driver] in driver.wake() }
        driver.start()
    }

    /// Runs `body` with the connection's session on its thread and returns its result.
    public func perform<Result: Sendable>(
        _ body: @escaping @Sendable (AMQPSession) throws -> Result
    ) async throws(AMQPError) -> Result {
        let result: Swift.Result<Result, AMQPError> = await withCheckedContinuation { continuation in
            role.submit { session in
                do {
                    let value = try body(session)
                    continuation.resume(returning: .success(value))
                    return nil
                } catch {
                    let failure = (error as? AMQPError) ?? .library("\(error)")
                    continuation.resume(returning: .failure(failure))
                    return failure
                }
            } cancel: {
                continuation.resume(returning: .failure(.shutdown))
            }
        }
        return try result.get()
    }

    /// Waits until connected; throws the last connection error when that takes longer than `timeout`.
    public func waitUntilConnected(timeout: Duration = .seconds(30)) async throws {
        try await driver.waitUntilConnected(timeout: timeout)
    }

    /// Closes the connection; operations not yet run fail with ``AMQPError/shutdown``.
    public func stop() async {
        await driver.stop()
    }
}

final class OperationsRole: AMQPConnectionRole, @unchecked Sendable {
    struct Operation {
        /// Runs on the connection thread; returns an error that should reset the connection.
        let run: (AMQPSession) -> AMQPError?
        let cancel: () -> Void
    }

    private let incoming = Mutex<[Operation]>([])
    var wake: @Sendable () -> Void = {}

    func submit(_ run: @escaping @Sendable (AMQPSession) -> AMQPError?, cancel: @escaping @Sendable () -> Void) {
        incoming.withLock { $0.append(Operation(run: run, cancel: cancel)) }
        wake()
    }

    func sessionOpened(_ session: AMQPSession, generation: UInt64) throws(AMQPError) {}

    func pump(_ session: AMQPSession) throws(AMQPError) -> Bool {
        guard let operation = incoming.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { return false }
        if let error = operation.run(session) { throw error }
        return true
    }

    func handle(_ frame: AMQPFrame, session: AMQPSession) throws(AMQPError) {}
    func sessionLost(_ error: AMQPError) {}
    func drain(_ session: AMQPSession) {}

    func stopped() {
        let leftovers = incoming.withLock { operations in
            let taken = operations
            operations = []
            return taken
        }
        for operation in leftovers { operation.cancel() }
    }
}
