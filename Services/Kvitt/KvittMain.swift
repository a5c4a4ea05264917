import ArgumentParser
import Foundation

extension KvittCommand {
    /// Runs the command line as ArgumentParser does, except that a usage error (an unknown argument or option, a
    /// missing or malformed value) exits with status 2, as every Kvitt executable refuses a bad argument, rather
    /// than ArgumentParser's 64. `--help` and `--version` print and exit 0.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
