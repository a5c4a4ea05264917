import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A dead letter's body open in an editor: one file in a new directory of its own (mode 0700, so other users cannot
/// read the body), which ``remove()`` deletes on every way out of the command, and which a SIGTERM or SIGHUP that ends
/// the command while the editor runs deletes too.
final class EditorSession: Sendable {
    let directory: URL
    let file: URL

    /// Makes the directory under `temporaryDirectory`; `fileName` is what the editor shows, made safe for a path.
    init(in temporaryDirectory: URL, fileName: String) throws {
        directory = temporaryDirectory.appendingPathComponent("kvitt-edit-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(
            at: directory,
            withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o700]
        )
        file = directory.appendingPathComponent(Self.safeName(fileName))
    }

    /// The name with everything but ASCII letters, digits, `.`, `-` and `_` replaced by `_`, and at most 100
    /// characters: a message id comes from the wire, and must not lead the file out of its directory.
    static func safeName(_ name: String) -> String {
        String(
            name.prefix(100).map { character in
                character.isASCII && (character.isLetter || character.isNumber || "._-".contains(character))
                    ? character : "_"
            }
        )
    }

    /// Deletes the file and its directory; nothing is left whether the edit succeeded or not.
    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs the editor (`body`) with the terminal's interrupt and quit keys left to it (they reach the editor too;
    /// the command waits for its exit status and cleans up), and with SIGTERM and SIGHUP deleting the file before they
    /// end the command.
    func whileEditing<Result>(_ body: () throws -> Result) rethrows -> Result {
        EditorSignals.arm(file: file.path, directory: directory.path)
        defer { EditorSignals.disarm() }
        return try body()
    }
}

/// The signal handlers while an editor runs. A handler may only call async-signal-safe functions on memory that
/// already exists, so the paths are C strings made before the handlers are installed.
private enum EditorSignals {
    nonisolated(unsafe) static var file: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) static var directory: UnsafeMutablePointer<CChar>?
    /// Signals the editor owns: a no-op handler here (reset to the default in the editor, which exec starts afresh).
    static let leftToEditor = [SIGINT, SIGQUIT]
    /// Signals that end the command: the file goes first.
    static let ending = [SIGTERM, SIGHUP]

    static func arm(file path: String, directory folder: String) {
        file = strdup(path)
        directory = strdup(folder)
        for number in leftToEditor { signal(number, ignoreWhileEditing) }
        for number in ending { signal(number, removeAndEnd) }
    }

    static func disarm() {
        for number in leftToEditor + ending { signal(number, SIG_DFL) }
        free(file)
        free(directory)
        file = nil
        directory = nil
    }
}

private let ignoreWhileEditing: @convention(c) (Int32) -> Void = { _ in }

private let removeAndEnd: @convention(c) (Int32) -> Void = { number in
    if let file = EditorSignals.file { unlink(file) }
    if let directory = EditorSignals.directory { rmdir(directory) }
    signal(number, SIG_DFL)
    raise(number)
}
