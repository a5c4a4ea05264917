import Foundation
import Synchronization

/// A TCP proxy on 127.0.0.1 between the services and the broker, which can cut the link both ways or one way and heal
/// it again: the network fault a clean broker shutdown never shows.
///
/// A cut direction is not read from (a *blackhole*): the kernel still accepts the sender's bytes until its buffers
/// fill, nothing reaches the other peer, and no one sees a reset — only silence, as behind a dead switch. When the
/// link heals, what was held back flows on, so a connection whose peers did not give up in the meantime goes on
/// unharmed (as TCP after a short partition); a peer that did give up (a missed heartbeat) closes its socket, and the
/// proxy passes the close on once the direction from that peer is open again.
///
/// Each connection is served by its own thread with non-blocking sockets and `poll`, so a slow or silent peer never
/// holds another connection.
public final class LinkProxy: Sendable {
    /// Which directions carry traffic.
    public enum Mode: Int, Sendable, CustomStringConvertible {
        /// Both directions flow.
        case open
        /// Nothing flows either way.
        case cutBothWays
        /// What the services send never reaches the broker; the broker's traffic still reaches them.
        case cutTowardBroker
        /// What the broker sends never reaches the services; theirs still reaches the broker.
        case cutTowardServices

        var forwardsTowardBroker: Bool { self == .open || self == .cutTowardServices }
        var forwardsTowardServices: Bool { self == .open || self == .cutTowardBroker }

        public var description: String {
            switch self {
            case .open: "open"
            case .cutBothWays: "cut both ways"
            case .cutTowardBroker: "cut toward the broker"
            case .cutTowardServices: "cut toward the services"
            }
        }
    }

    /// The port the services connect to instead of the broker's.
    public let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let mode = Atomic<Int>(Mode.open.rawValue)
    private let stopped = Atomic<Bool>(false)
    private let state = Mutex<(nextID: Int, open: Set<Int>, accepted: Int)>((0, [], 0))

    /// Listens on a free port of 127.0.0.1 and forwards to the broker at 127.0.0.1:`upstreamPort`.
    public init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FaultInjectionRun.RunFailure("proxy socket: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 128) == 0 else {
            close(descriptor)
            throw FaultInjectionRun.RunFailure("proxy bind/listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Cuts or heals the link; applies at once to every connection, open or new.
    public func set(_ newMode: Mode) { mode.store(newMode.rawValue, ordering: .sequentiallyConsistent) }

    /// The current mode.
    public var current: Mode { Mode(rawValue: mode.load(ordering: .sequentiallyConsistent)) ?? .open }

    /// Connections accepted since the start.
    public var accepted: Int { state.withLock { $0.accepted } }

    /// The connections open now, by the proxy's own numbering.
    public var openConnections: Set<Int> { state.withLock { $0.open } }

    /// Stops accepting and closes every connection (each thread notices within its poll interval).
    public func stop() {
        guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        defer { close(listener) }
        while !stopped.load(ordering: .sequentiallyConsistent) {
            var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            let id = state.withLock { state in
                state.nextID += 1
                state.accepted += 1
                state.open.insert(state.nextID)
                return state.nextID
            }
            Thread.detachNewThread { [self] in
                serve(client: client)
                _ = state.withLock { $0.open.remove(id) }
            }
        }
    }

    /// Connects to the broker for one service connection and carries bytes both ways as the mode allows.
    private func serve(client: Int32) {
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer {
            close(client)
            if upstream >= 0 { close(upstream) }
        }
        var address = Self.loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // A broker that is down refuses the connection; so does the proxy, by closing at once.
        guard upstream >= 0, connected == 0 else { return }
        for descriptor in [client, upstream] {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        var towardBroker = Direction(from: client, to: upstream)
        var towardServices = Direction(from: upstream, to: client)
        while !stopped.load(ordering: .sequentiallyConsistent) {
            let mode = current
            let flows = (up: mode.forwardsTowardBroker, down: mode.forwardsTowardServices)
            // A peer that closed while its direction was cut is not heard of until the direction opens again.
            if (towardBroker.sourceClosed && flows.up && towardBroker.pending.isEmpty)
                || (towardServices.sourceClosed && flows.down && towardServices.pending.isEmpty)
            {
                return
            }
            var descriptors = [
                pollfd(
                    fd: client,
                    events: towardBroker.readEvents(flowing: flows.up)
                        | towardServices.writeEvents(flowing: flows.down),
                    revents: 0
                ),
                pollfd(
                    fd: upstream,
                    events: towardServices.readEvents(flowing: flows.down)
                        | towardBroker.writeEvents(flowing: flows.up),
                    revents: 0
                ),
            ]
            // Errors and hang-ups are reported whatever was asked; a side that is cut is not polled at all, so that a
            // peer's reset behind the cut neither spins this loop nor crosses the cut.
            if !flows.up && towardServices.pending.isEmpty { descriptors[0].fd = -1 }
            if !flows.down && towardBroker.pending.isEmpty { descriptors[1].fd = -1 }
            guard poll(&descriptors, 2, 50) >= 0 || errno == EINTR else { return }
            let (clientEvents, upstreamEvents) = (descriptors[0].revents, descriptors[1].revents)
            if flows.up, !towardBroker.carry(readable: clientEvents, writable: upstreamEvents) { return }
            if flows.down, !towardServices.carry(readable: upstreamEvents, writable: clientEvents) { return }
        }
    }

    /// One direction of a connection: bytes read from `from` and not yet written to `to`.
    private struct Direction {
        let from: Int32
        let to: Int32
        var pending: [UInt8] = []
        var sourceClosed = false

        init(from: Int32, to: Int32) {
            self.from = from
            self.to = to
        }

        /// Reads only when everything read before is written: the sender feels the receiver's pace (back pressure).
        func readEvents(flowing: Bool) -> Int16 {
            flowing && pending.isEmpty && !sourceClosed ? Int16(POLLIN) : 0
        }

        func writeEvents(flowing: Bool) -> Int16 { flowing && !pending.isEmpty ? Int16(POLLOUT) : 0 }

        /// Moves what it can; returns false when the connection is over (a write failed).
        mutating func carry(readable: Int16, writable: Int16) -> Bool {
            let failure = Int16(POLLERR) | Int16(POLLHUP)
            if !pending.isEmpty, writable & (Int16(POLLOUT) | failure) != 0 {
                let written = pending.withUnsafeBytes { write(to, $0.baseAddress, $0.count) }
                if written > 0 {
                    pending.removeFirst(written)
                } else if written < 0 && errno != EAGAIN && errno != EINTR {
                    return false
                }
            }
            if pending.isEmpty, !sourceClosed, readable & (Int16(POLLIN) | failure) != 0 {
                var buffer = [UInt8](repeating: 0, count: 65_536)
                let count = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
                if count > 0 {
                    pending = Array(buffer[0..<count])
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    sourceClosed = true
                }
            }
            return true
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
