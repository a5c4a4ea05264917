import ServiceLifecycle

/// The wait between two passes of a polling service (a scheduler, a worker): `duration`, or less when the service
/// group starts a graceful shutdown or the task is cancelled. A plain `Task.sleep` only ends on cancellation, so a
/// minute's wait would hold a SIGTERM until the grace period ran out and the rest of the group was cancelled with it.
public func pauseBetweenPasses(for duration: Duration) async {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}
