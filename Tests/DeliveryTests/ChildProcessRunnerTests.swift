import Foundation
import KvittContracts
import KvittTesting
import Synchronization
import Testing

@testable import Delivery

/// The one child-process runner: both pipes read while the child runs, a timeout, and the child's whole process
/// group killed on timeout and on cancellation.
struct ChildProcessRunnerTests {
    /// More than a Linux pipe holds (64 KiB): a runner that reads only after the exit never sees the exit.
    static let chattyBytes = 200_000

    @Test func aChildWritingMoreThanAPipeHoldsToStandardErrorCompletes() async throws {
        let result = try await ChildProcessRunner.run(
            "sh",
            ["-c", "head -c \(Self.chattyBytes) /dev/zero | tr '\\0' x >&2; echo done"],
            timeout: .seconds(10)
        )
        #expect(result.status == 0)
        #expect(result.standardError.count == Self.chattyBytes)
        #expect(String(decoding: result.standardOutput, as: UTF8.self) == "done\n")
    }

    @Test func theChildGetsNoDescriptorOfTheServiceButTheStandardThree() async throws {
        let file = try TestBroker.temporaryDirectory().appendingPathComponent("open-for-writing")
        // Opened without close-on-exec, as a library might.
        let descriptor = open(file.path, O_CREAT | O_WRONLY, 0o600)
        try #require(descriptor > 2)
        defer { close(descriptor) }
        let result = try await ChildProcessRunner.run(
            "sh",
            ["-c", "for f in /proc/$$/fd/*; do readlink \"$f\"; done"],
            timeout: .seconds(10)
        )
        let targets = String(decoding: result.standardOutput, as: UTF8.self)
        #expect(targets.contains("pipe:"), "the child's output is a pipe: \(targets)")
        #expect(!targets.contains("open-for-writing"), "inherited: \(targets)")
    }

    /// The print batch's merge with a `pdfunite` that complains at length before it writes the batch (a stand-in
    /// script: poppler's own is quiet on good input).
    @Test func aChattyMergeStillMakesTheBatch() async throws {
        let folder = try TestBroker.temporaryDirectory()
        let fakeUnite = folder.appendingPathComponent("chatty-pdfunite")
        let script = """
            #!/bin/sh
            head -c \(Self.chattyBytes) /dev/zero | tr '\\0' w >&2
            for last; do :; done
            cp "$1" "$last"
            """
        // Written by a child, not by this process: a file this process has open for writing while another test
        // spawns a child is inherited by that child, and the script could then not be executed ("text file busy").
        let written = try await ChildProcessRunner.run(
            "sh",
            ["-c", "printf '%s\\n' \"$1\" > \"$2\" && chmod 755 \"$2\"", "sh", script, fakeUnite.path],
            timeout: .seconds(10)
        )
        #expect(written.status == 0, "\(written.errorText)")
        let printDirectory = folder.appendingPathComponent("print")
        let day = CalendarDate(year: 2027, month: 2, day: 1)!
        let dayFolder = printDirectory.appendingPathComponent(day.description)
        try FileManager.default.createDirectory(at: dayFolder, withIntermediateDirectories: true)
        try Data("%PDF-1.4 stand-in\n".utf8).write(to: dayFolder.appendingPathComponent("a.pdf"))
        try Data("%PDF-1.4 stand-in\n".utf8).write(to: dayFolder.appendingPathComponent("b.pdf"))
        let batcher = PrintBatcher(printDirectory: printDirectory, pdfunite: fakeUnite.path, timeout: .seconds(10))
        #expect(try await batcher.makeBatch(for: day) == .written(documents: 2))
    }

    @Test func aTimeoutKillsTheChildAndEverythingItStarted() async throws {
        let started = Clock.now
        let error = await #expect(throws: ChildProcessError.self) {
            _ = try await ChildProcessRunner.run(
                "sh",
                ["-c", "sleep 30 & sleep 30 & echo started; wait"],
                timeout: .milliseconds(500)
            )
        }
        guard case .timedOut(_, _, let group) = error else {
            Issue.record("not a timeout: \(String(describing: error))")
            return
        }
        // Its children sleep 30 s: anything well below that was a kill, however loaded the machine (the whole suite
        // shares two cores).
        #expect(Clock.now - started < .seconds(25), "the runner waited for the children instead of killing them")
        #expect(await ProcessTable.groupIsGone(group), "left behind: \(ProcessTable.live(inGroup: group))")
    }

    /// A page whose script never ends: Chromium's renderer never finishes loading it, so the render is still
    /// running (browser and its helpers) when it is cancelled or times out.
    static let endlessPage = "<html><body>x<script>while (true) {}</script></body></html>"

    @Test func aCancelledOrTimedOutRenderLeavesNoChromiumBehind() async throws {
        // Cancelled once Chromium has forked its helpers.
        let group = StartedProcess()
        let render = Task {
            try await PDFRenderer(timeout: .seconds(60)).pdf(fromHTML: Self.endlessPage, started: group.record)
        }
        let helpersStarted = await TestBroker.eventually(timeout: .seconds(20)) {
            guard let pid = group.pid else { return false }
            return ProcessTable.live(inGroup: pid).count >= 2
        }
        #expect(helpersStarted, "Chromium never had helpers, so this shows nothing")
        render.cancel()
        let outcome = await render.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        let pid = try #require(group.pid)
        #expect(await ProcessTable.groupIsGone(pid), "left behind: \(ProcessTable.live(inGroup: pid))")

        // Timed out.
        let timedOutGroup = StartedProcess()
        await #expect(throws: ChildProcessError.self) {
            _ = try await PDFRenderer(timeout: .seconds(3)).pdf(
                fromHTML: Self.endlessPage,
                started: timedOutGroup.record
            )
        }
        let second = try #require(timedOutGroup.pid)
        #expect(await ProcessTable.groupIsGone(second), "left behind: \(ProcessTable.live(inGroup: second))")
    }

    typealias Clock = ContinuousClock
}

/// The pid a runner reported for the child it started.
final class StartedProcess: Sendable {
    private let started = Atomic<pid_t>(0)
    var pid: pid_t? {
        let pid = started.load(ordering: .sequentiallyConsistent)
        return pid == 0 ? nil : pid
    }
    @Sendable func record(_ pid: pid_t) { started.store(pid, ordering: .sequentiallyConsistent) }
}

/// The processes of a process group, from `/proc`.
enum ProcessTable {
    /// The pids of the group's processes that are not zombies (a zombie runs nothing; its parent reaps it).
    static func live(inGroup group: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // After "pid (name) ": state, ppid, pgrp …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", pid_t(fields[2]) == group else { return nil }
            return pid
        }
    }

    /// Whether the group has no live process left, allowing a moment for `SIGKILL` to land.
    static func groupIsGone(_ group: pid_t) async -> Bool {
        await TestBroker.eventually(timeout: .seconds(3)) { live(inGroup: group).isEmpty }
    }
}
