import ArgumentParser
import Foundation
import KvittAMQP
import KvittContracts

/// Output helpers shared by the commands.
enum CLI {
    /// Runs a command body; a failure becomes one line on standard error and a non-zero exit, never a stack trace.
    static func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("kvitt: \(PersonalDataMasking.mask("\(error)"))\n".utf8))
            throw ExitCode(2)
        }
    }

    /// A left-aligned text table.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static func prettyJSON(_ body: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else { return String(decoding: body, as: UTF8.self) }
        return String(decoding: data, as: UTF8.self)
    }

    static func jsonLine(_ letter: DeadLetter) throws -> String {
        let object: [String: Any] = [
            "id": letter.id, "service": letter.service, "type": letter.type, "reason": letter.reason,
            "detail": letter.detail, "failedAt": letter.failedAt, "retryCount": letter.retryCount,
            "replayCount": letter.replayCount, "bundledIDs": letter.bundledIDs,
        ]
        return String(
            decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
            as: UTF8.self
        )
    }

    static func progress(_ done: Int, _ total: Int) {
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        // Written straight to the file handle: print's buffer would hold a line without a newline back.
        FileHandle.standardOutput.write(Data("\r[\(bar)] \(done)/\(total)".utf8))
    }

    static func auditEntry(_ letter: DeadLetter, at: Date, outcome: String, original: String? = nil)
        -> ReplayAudit.Entry
    {
        ReplayAudit.Entry(
            id: nil,
            at: at,
            who: ReplayAudit.who,
            messageID: letter.id,
            service: letter.failedService,
            type: letter.type,
            reason: letter.reason,
            outcome: outcome,
            original: original
        )
    }
}
