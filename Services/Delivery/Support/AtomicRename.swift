import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Puts a file written under a temporary name in place with `rename(2)`, atomic within one folder: whoever takes
/// files from the folder (the print shop, a Peppol access point) finds a whole file or none.
enum AtomicRename {
    /// Moves `partial` to `final`, both in the same folder; on failure the partial file is removed.
    static func move(_ partial: URL, to final: URL) throws(AtomicRenameError) {
        guard rename(partial.path, final.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: partial)
            throw AtomicRenameError(path: final.path, errno: code)
        }
    }
}

/// A file could not be put in place (a transient failure: the delivery or the batch is tried again).
struct AtomicRenameError: Error, CustomStringConvertible {
    var path: String
    var errno: Int32
    var description: String { "could not move a file into \(path): \(String(cString: strerror(errno)))" }
}
