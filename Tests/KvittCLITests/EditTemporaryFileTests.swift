import Foundation
import KvittAMQP
import KvittContracts
import KvittTesting
import Testing

@testable import Kvitt

/// `kvitt dead-letters edit` opens the body in `$EDITOR` from a temporary file that never outlives the command.
@Suite("dead-letters edit leaves no temporary file behind")
struct EditTemporaryFileTests {
    /// A parked message whose id is hostile: a path out of the temporary directory.
    static let letter = DeadLetter(
        service: "probe",
        delivery: AMQPDelivery.received(
            properties: AMQPProperties(messageID: "../../escape me", type: "probe.apply-effect.v1"),
            body: Array(#"{"key":"a","amount":1}"#.utf8)
        )
    )

    /// A fresh temporary directory and an editor script in a folder beside it that records the path it was given.
    static func setUp(editor script: String) throws -> (temporary: URL, editor: String, seen: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("edit-test-\(UUID().uuidString)")
        let temporary = root.appendingPathComponent("tmp")
        let tools = root.appendingPathComponent("tools")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: tools, withIntermediateDirectories: true)
        let seen = tools.appendingPathComponent("seen")
        let editor = tools.appendingPathComponent("editor.sh")
        try Data("#!/bin/sh\nprintf '%s' \"$1\" > '\(seen.path)'\n\(script)\n".utf8).write(to: editor)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: editor.path)
        return (temporary, editor.path, seen)
    }

    /// Removes the test's folder (the temporary directory and the editor beside it).
    static func tearDown(_ temporary: URL) {
        try? FileManager.default.removeItem(at: temporary.deletingLastPathComponent())
    }

    static func leftOver(_ temporary: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: temporary.path)
    }

    @Test func aSuccessfulEditReturnsTheCorrectedBodyAndRemovesTheFile() throws {
        let (temporary, editor, seen) = try Self.setUp(editor: #"printf '{"key":"a","amount":2}' > "$1""#)
        defer { Self.tearDown(temporary) }
        let body = try DeadLettersCommand.Edit.editInEditor(Self.letter, editor: editor, temporaryDirectory: temporary)
        #expect(String(decoding: body, as: UTF8.self) == #"{"key":"a","amount":2}"#)
        let edited = try String(contentsOf: seen, encoding: .utf8)
        #expect(edited.hasPrefix(temporary.path + "/kvitt-edit-"), "inside the temporary directory: \(edited)")
        #expect(edited.hasSuffix("/kvitt-.._.._escape_me.json"), "the id cannot lead the file out: \(edited)")
        #expect(!FileManager.default.fileExists(atPath: edited))
        #expect(try Self.leftOver(temporary).isEmpty)
    }

    @Test func anAbortedEditRemovesTheFileAndSaysNothingWasPublished() throws {
        let (temporary, editor, seen) = try Self.setUp(editor: "exit 1")
        defer { Self.tearDown(temporary) }
        #expect(throws: CLIError.self) {
            try DeadLettersCommand.Edit.editInEditor(Self.letter, editor: editor, temporaryDirectory: temporary)
        }
        #expect(FileManager.default.fileExists(atPath: seen.path), "the editor ran")
        #expect(try Self.leftOver(temporary).isEmpty)
    }

    @Test func aFileThatCannotBeReadBackRemovesTheDirectoryToo() throws {
        // The editor replaces the file with a directory: reading it back fails.
        let (temporary, editor, _) = try Self.setUp(editor: #"rm "$1" && mkdir "$1""#)
        defer { Self.tearDown(temporary) }
        #expect(throws: (any Error).self) {
            try DeadLettersCommand.Edit.editInEditor(Self.letter, editor: editor, temporaryDirectory: temporary)
        }
        #expect(try Self.leftOver(temporary).isEmpty)
    }

    @Test func noEditorIsOneClearErrorAndMakesNoFile() throws {
        let (temporary, _, _) = try Self.setUp(editor: "true")
        defer { Self.tearDown(temporary) }
        #expect(throws: CLIError.self) {
            try DeadLettersCommand.Edit.editInEditor(Self.letter, editor: "", temporaryDirectory: temporary)
        }
        #expect(try Self.leftOver(temporary).isEmpty)
    }
}
