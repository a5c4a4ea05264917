import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How a child process ended when it ran to its end.
struct ChildProcessResult: Sendable, Equatable {
    /// The exit status, or `128 + signal` when a signal ended it (as a shell reports it).
    var status: Int32
    /// What it wrote to standard output, at most ``ChildProcessRunner/outputLimit`` bytes of it.
    var standardOutput: Data
    /// What it wrote to standard error, at most ``ChildProcessRunner/outputLimit`` bytes of it.
    var standardError: Data

    /// Standard error as text (the part kept), for a failure's reason.
    var errorText: String { String(decoding: standardError, as: UTF8.self) }
}

/// Why a child process did not run to its end.
enum ChildProcessError: Error, Equatable, CustomStringConvertible {
    /// It could not be started (`posix_spawnp` failed: not on the `PATH`, not executable …).
    case couldNotStart(executable: String, errno: Int32)
    /// It ran longer than its timeout; its process group was killed.
    case timedOut(executable: String, after: Duration, processGroup: pid_t)

    var description: String {
        switch self {
        case .couldNotStart(let executable, let code):
            "could not start \(executable): \(String(cString: strerror(code)))"
        case .timedOut(let executable, let after, _):
            "\(executable) did not finish within \(after) and was killed"
        }
    }
}

/// The one way delivery runs a child process (Chromium for a PDF, `pdfunite` for a print batch), so every one of
/// them is read, bounded in time and cleaned up the same way.
///
/// - Standard output and standard error are read *while* the child runs: a child that writes more than a pipe holds
///   (64 KiB on Linux) before it exits would otherwise block on its write while the parent waits for its exit.
/// - The child leads a process group of its own, and that whole group is killed with `SIGKILL` on timeout, on the
///   caller's cancellation and once the child has exited: Chromium forks helpers (zygote, renderer, GPU) that would
///   otherwise outlive a killed browser, holding memory and the pipes.
/// - It is spawned with `posix_spawnp` rather than Foundation's `Process`, which can neither start a process group
///   nor read both pipes without blocking a thread per pipe; standard input is `/dev/null`, signals are reset to
///   their defaults (the service ignores `SIGPIPE`, which a child would otherwise inherit), and every descriptor but
///   the three standard ones is closed in the child.
///
/// The waiting happens on a thread of its own (one per running child), never on the concurrency pool.
enum ChildProcessRunner {
    /// The most of each stream that is kept; the rest is read and dropped, so the child never blocks on it.
    static let outputLimit = 1 << 20

    /// How long, after the child exited and its group was killed, the pipes may stay open (a helper that left the
    /// group still holds them) before reading stops.
    static let drainGrace: Duration = .seconds(2)

    /// Runs `executable` (looked up on the `PATH`) to its end, or kills it after `timeout` or when the calling task
    /// is cancelled (then `CancellationError`). `started` is told the child's pid, which is also its process group.
    static func run(
        _ executable: String,
        _ arguments: [String],
        timeout: Duration,
        started: (@Sendable (pid_t) -> Void)? = nil
    ) async throws -> ChildProcessResult {
        let (pid, output, error) = try spawn(executable, arguments)
        started?(pid)
        let child = RunningChild(pid: pid, output: output, error: error)
        let ending: ChildEnding = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ChildEnding, Never>) in
                let deadline = ContinuousClock.now.advanced(by: timeout)
                let thread = Thread {
                    continuation.resume(returning: child.superviseToEnd(deadline: deadline))
                }
                thread.name = "child-\(pid)"
                thread.start()
            }
        } onCancel: {
            child.cancel()
        }
        switch ending {
        case .exited(let result): return result
        case .timedOut: throw ChildProcessError.timedOut(executable: executable, after: timeout, processGroup: pid)
        case .cancelled: throw CancellationError()
        }
    }

    /// Starts the child in a process group of its own, its output and error on pipes; returns the pid and the
    /// reading ends.
    private static func spawn(_ executable: String, _ arguments: [String]) throws -> (pid_t, Int32, Int32) {
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        guard Self.closeOnExecPipe(&outputPipe) else {
            throw ChildProcessError.couldNotStart(executable: executable, errno: errno)
        }
        guard Self.closeOnExecPipe(&errorPipe) else {
            let code = errno
            close(outputPipe[0])
            close(outputPipe[1])
            throw ChildProcessError.couldNotStart(executable: executable, errno: code)
        }
        defer {
            // The writing ends belong to the child now.
            close(outputPipe[1])
            close(errorPipe[1])
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        // Nothing else of the service's reaches the child (its database, its broker socket, files other tasks
        // have open): a helper Chromium leaves behind must not hold them, and a file open for writing here would
        // be "busy" for exec in any child.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        )
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let code = posix_spawnp(&pid, executable, &actions, &attributes, argv, environ)
        guard code == 0 else {
            close(outputPipe[0])
            close(errorPipe[0])
            throw ChildProcessError.couldNotStart(executable: executable, errno: code)
        }
        return (pid, outputPipe[0], errorPipe[0])
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which its Swift overlay does not export.
    private static let addCloseFrom: CloseFrom? =
        dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: CloseFrom.self) }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// A pipe whose ends are closed in any other child (`pipe2` is not in Glibc's Swift overlay): only the dup'ed
    /// copies reach this child, so the reader sees the end of the output when this child and its helpers are gone.
    private static func closeOnExecPipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return true
    }
}

/// How supervising a child ended.
private enum ChildEnding: Sendable {
    case exited(ChildProcessResult)
    case timedOut
    case cancelled
}

/// A spawned child and the reading ends of its pipes, supervised by one thread.
private final class RunningChild: Sendable {
    let pid: pid_t
    let output: Int32
    let error: Int32
    private let cancelled = Atomic<Bool>(false)

    init(pid: pid_t, output: Int32, error: Int32) {
        self.pid = pid
        self.output = output
        self.error = error
    }

    func cancel() {
        cancelled.store(true, ordering: .sequentiallyConsistent)
        killGroup()
    }

    /// `SIGKILL` to the child and every process still in its group (helpers it forked).
    func killGroup() {
        _ = kill(-pid, SIGKILL)
    }

    /// Reads both pipes until they close, reaps the child, and kills its group on the deadline, on cancellation
    /// and after it exited. Blocks the calling thread.
    func superviseToEnd(deadline: ContinuousClock.Instant) -> ChildEnding {
        defer {
            close(output)
            close(error)
        }
        var collected = [Data(), Data()]
        var open = [true, true]
        var exitStatus: Int32?
        var drainUntil: ContinuousClock.Instant?
        var ending: ChildEnding?
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if exitStatus == nil, ending == nil {
                if cancelled.load(ordering: .sequentiallyConsistent) {
                    ending = .cancelled
                    killGroup()
                } else if ContinuousClock.now >= deadline {
                    ending = .timedOut
                    killGroup()
                }
            }
            if exitStatus == nil {
                var status: Int32 = 0
                let reaped = waitpid(pid, &status, ending == nil ? WNOHANG : 0)
                if reaped == pid {
                    exitStatus = Self.exitCode(status)
                    // Helpers the child left behind go with it.
                    killGroup()
                    drainUntil = ContinuousClock.now.advanced(by: ChildProcessRunner.drainGrace)
                } else if reaped < 0 && errno != EINTR {
                    exitStatus = -1
                    drainUntil = ContinuousClock.now
                }
            }
            if !open[0] && !open[1] { if exitStatus != nil { break } else { usleep(20_000); continue } }
            if let drainUntil, ContinuousClock.now >= drainUntil { break }
            var descriptors = [
                pollfd(fd: open[0] ? output : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: open[1] ? error : -1, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, 50)
            guard ready > 0 else { continue }
            for index in 0..<2 where open[index] && descriptors[index].revents != 0 {
                let count = read(descriptors[index].fd, &buffer, buffer.count)
                if count > 0 {
                    let room = ChildProcessRunner.outputLimit - collected[index].count
                    if room > 0 { collected[index].append(contentsOf: buffer[0..<min(room, count)]) }
                } else if count == 0 || errno != EINTR && errno != EAGAIN {
                    open[index] = false
                }
            }
        }
        if let ending { return ending }
        return .exited(
            ChildProcessResult(status: exitStatus ?? -1, standardOutput: collected[0], standardError: collected[1])
        )
    }

    private static func exitCode(_ status: Int32) -> Int32 {
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Glibc's Swift overlay does not export.
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
