import Foundation

/// A file system of its own for one service's database, which a nemesis fills to the last byte and empties again.
///
/// A small tmpfs is mounted (`mount -t tmpfs -o size=…`, which needs root) and the service's `DATABASE_PATH` in the run
/// folder is made a symbolic link into it. SQLite resolves the link and keeps its `-wal` and `-shm` files beside the
/// real file, so the database and its journal live on the small file system while the service's log stays outside
/// and can tell what happened. Filling means writing a filler file until the kernel answers `ENOSPC`: SQLite then
/// gets `SQLITE_FULL` from a real `write(2)` in the real executable — no test-only VFS, no changed permissions
/// (which SQLite meets only on open, not on a file it already holds open), no `max_page_count` (which fails inside
/// SQLite before any I/O, and needs the service's own cooperation to set).
struct FullDisk: Sendable {
    let mountPoint: URL
    private var filler: URL { mountPoint.appendingPathComponent("filler") }

    /// Mounts a tmpfs of `megabytes` at a fresh folder and links `databasePath` into it; `nil` (with the reason) when
    /// the machine does not allow a mount (not root, no tmpfs).
    static func prepare(databasePath: String, megabytes: Int) async -> (disk: FullDisk?, problem: String?) {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent(
            TestBroker.uniqueName("kvitt-full-disk")
        )
        do {
            try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
            let mounted = try await ShellCommand.run([
                "/bin/mount", "-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", mountPoint.path,
            ])
            guard mounted.status == 0 else {
                try? FileManager.default.removeItem(at: mountPoint)
                return (nil, "mount -t tmpfs failed (status \(mounted.status)); needs root")
            }
            let target = mountPoint.appendingPathComponent(URL(fileURLWithPath: databasePath).lastPathComponent)
            try FileManager.default.createSymbolicLink(atPath: databasePath, withDestinationPath: target.path)
            return (FullDisk(mountPoint: mountPoint), nil)
        } catch {
            return (nil, "could not prepare the small file system: \(error)")
        }
    }

    /// Writes the filler until the file system is full to the last block; returns how many bytes it took.
    func fill() throws -> Int {
        let descriptor = open(filler.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw FaultInjectionRun.RunFailure("open filler: errno \(errno)") }
        defer { close(descriptor) }
        var total = 0
        // Big writes first, then ever smaller ones, so that not even one block is left.
        var size = 1 << 20
        while size >= 512 {
            let chunk = [UInt8](repeating: 0x5A, count: size)
            while true {
                let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written > 0 {
                    total += written
                    if written < size { break }
                } else {
                    guard errno == ENOSPC || errno == EINTR else {
                        throw FaultInjectionRun.RunFailure("filling: errno \(errno)")
                    }
                    if errno == ENOSPC { break }
                }
            }
            size /= 2
        }
        return total
    }

    /// Frees the space again.
    func empty() { unlink(filler.path) }

    /// Unmounts the file system (the database goes with it: the run is over).
    func remove() async {
        empty()
        _ = try? await ShellCommand.run(["/bin/umount", "-l", mountPoint.path])
        try? FileManager.default.removeItem(at: mountPoint)
    }
}
