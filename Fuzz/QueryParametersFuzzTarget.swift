import Foundation
import KvittContracts

/// Fuzz target `query-parameters`: any bytes as the query string of a read-API request, checked by
/// `QueryParameters` (`KvittContracts`) and read with every kind of accessor the services use.
///
/// Splitting the query into decoded name–value pairs is the HTTP server's job (Hummingbird's), so this target does
/// it its own simple way (`&`, the first `=`, percent-decoding) and fuzzes what Kvitt's code does with the pairs:
/// refuse unknown and repeated names, and read each value with a parser that either returns a value inside its
/// range or throws `InvalidQueryParameter` naming the parameter — never traps, never echoes a long value whole.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let query = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { item in
        let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        let value = parts.count > 1 ? String(parts[1]) : ""
        return (name: name.removingPercentEncoding ?? name, value: value.removingPercentEncoding ?? value)
    }
    let parameters: QueryParameters
    do {
        parameters = try QueryParameters(pairs, known: knownNames)
    } catch {
        checkRefusal(error)
        require(
            pairs.contains { !knownNames.contains($0.name) } || Set(pairs.map(\.name)).count < pairs.count,
            "a query of known names, each once, was refused: \(error)"
        )
        return 0
    }
    require(pairs.allSatisfy { knownNames.contains($0.name) }, "an unknown name was accepted")
    require(Set(pairs.map(\.name)).count == pairs.count, "a repeated name was accepted")
    readAll(parameters)
    return 0
}

/// The parameters of the read APIs (invoices, receivables, payments report, cases, claims, buyers' usage).
private let knownNames: Set<String> = [
    "creditor", "debtor", "status", "colour", "from", "to", "closedFrom", "closedTo", "limit", "offset", "open",
    "format", "year",
]

/// A choice parameter, as `format=json|csv`.
private enum ReportFormat: String, CaseIterable {
    case json, csv
}

private func readAll(_ parameters: QueryParameters) {
    for name in ["creditor", "debtor", "status"] {
        read(name) { () throws(InvalidQueryParameter) in
            if let text = try parameters.text(name) { require(!text.isEmpty, "\(name): an empty text was accepted") }
        }
    }
    var dates: [String: CalendarDate] = [:]
    for name in ["from", "to", "closedFrom", "closedTo"] {
        read(name) { () throws(InvalidQueryParameter) in
            guard let date = try parameters.date(name) else { return }
            require(CalendarDate.supportedRange.contains(date), "\(name): \(date) is outside the supported range")
            dates[name] = date
        }
    }
    for (start, end) in [("from", "to"), ("closedFrom", "closedTo")] {
        do throws(InvalidQueryParameter) {
            try QueryParameters.requireOrdered(dates[start], dates[end], startName: start, endName: end)
            if let first = dates[start], let last = dates[end] { require(first <= last, "\(start) after \(end)") }
        } catch {
            checkRefusal(error)
            require(error.parameter == end, "an unordered range names \(error.parameter), not \(end)")
        }
    }
    // The services' ranges (invoices' limit and offset, a buyer's usage year), and the widest one an Int allows.
    for (name, range) in [
        ("limit", 1...5000), ("offset", 0...10_000_000), ("year", 1900...2199), ("limit", Int.min...Int.max),
    ] {
        read(name) { () throws(InvalidQueryParameter) in
            if let number = try parameters.integer(name, in: range) {
                require(range.contains(number), "\(name): \(number) is outside \(range)")
            }
        }
    }
    read("open") { () throws(InvalidQueryParameter) in _ = try parameters.boolean("open") }
    read("format") { () throws(InvalidQueryParameter) in _ = try parameters.choice("format", of: ReportFormat.self) }
}

/// Runs one accessor; a refusal must name the parameter read.
private func read(_ name: String, _ body: () throws(InvalidQueryParameter) -> Void) {
    do {
        try body()
    } catch {
        checkRefusal(error)
        require(error.parameter == name, "reading \(name) failed naming \(error.parameter)")
    }
}

/// The most a refusal may say: a reason of a few words, the known names, and a value quoted only by its start.
private let longestRefusal = 400

private func checkRefusal(_ error: InvalidQueryParameter) {
    require(error.description.utf8.count <= longestRefusal, "a refusal of \(error.description.utf8.count) bytes")
    _ = error.fieldError
}
