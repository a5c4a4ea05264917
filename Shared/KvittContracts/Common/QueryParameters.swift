/// The query string of a read-API request, checked: a parameter the endpoint does not know, or one given twice, is
/// refused, and every value is read by a parser that says what is wrong with it. Each problem is an
/// ``InvalidQueryParameter`` naming the parameter, which the services answer with 400 — never a silent empty list, a
/// default in place of a malformed value, or a trap.
///
/// Foundation only, like the rest of the contracts, so that the checks can be tested and fuzzed without a server.
public struct QueryParameters: Sendable, Equatable {
    private let values: [String: String]

    /// Checks the names of the query's (decoded) pairs against the parameters the endpoint reads.
    public init(_ pairs: some Sequence<(name: String, value: String)>, known: Set<String>) throws(InvalidQueryParameter)
    {
        var values: [String: String] = [:]
        for (name, value) in pairs {
            guard known.contains(name) else {
                let expected =
                    known.isEmpty ? "this endpoint takes none" : "known: \(known.sorted().joined(separator: ", "))"
                throw InvalidQueryParameter(name, "unknown query parameter; \(expected)")
            }
            guard values.updateValue(value, forKey: name) == nil else {
                throw InvalidQueryParameter(name, "given more than once")
            }
        }
        self.values = values
    }

    /// Whether the query gives the parameter at all.
    public func contains(_ name: String) -> Bool { values[name] != nil }

    /// A non-empty text, as given.
    public func text(_ name: String) throws(InvalidQueryParameter) -> String? {
        guard let value = values[name] else { return nil }
        guard !value.isEmpty else { throw InvalidQueryParameter(name, "must not be empty") }
        return value
    }

    /// A date `YYYY-MM-DD` within ``CalendarDate/supportedRange``.
    public func date(_ name: String) throws(InvalidQueryParameter) -> CalendarDate? {
        guard let value = values[name] else { return nil }
        do {
            return try CalendarDate(parsing: value)
        } catch {
            throw InvalidQueryParameter(name, "\(error), got \(InputEcho.quoted(value))")
        }
    }

    /// A whole number (ASCII digits, an optional minus) within `range`.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws(InvalidQueryParameter) -> Int? {
        guard let value = values[name] else { return nil }
        let digits = value.utf8.first == UInt8(ascii: "-") ? value.utf8.dropFirst() : value.utf8[...]
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw InvalidQueryParameter(name, "expected a whole number, got \(InputEcho.quoted(value))")
        }
        // Too many digits for Int is out of range as much as a number that fits but is too large.
        guard let number = Int(value), range.contains(number) else {
            throw InvalidQueryParameter(name, "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    /// `true` or `false`.
    public func boolean(_ name: String) throws(InvalidQueryParameter) -> Bool? {
        guard let value = values[name] else { return nil }
        switch value {
        case "true": return true
        case "false": return false
        default: throw InvalidQueryParameter(name, "must be true or false, got \(InputEcho.quoted(value))")
        }
    }

    /// One of the cases of `Choice`, by its raw value.
    public func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, of _: Choice.Type)
        throws(InvalidQueryParameter) -> Choice? where Choice.RawValue == String
    {
        guard let value = values[name] else { return nil }
        guard let choice = Choice(rawValue: value) else {
            let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw InvalidQueryParameter(name, "must be one of \(allowed), got \(InputEcho.quoted(value))")
        }
        return choice
    }

    /// Refuses a range whose end lies before its start, naming the end.
    public static func requireOrdered(
        _ start: CalendarDate?,
        _ end: CalendarDate?,
        startName: String,
        endName: String
    ) throws(InvalidQueryParameter) {
        guard let start, let end, end < start else { return }
        throw InvalidQueryParameter(endName, "must not be before \(startName) (\(start))")
    }
}

/// A query parameter a read API cannot use: which one, and why. Services answer it with 400 and a JSON body naming
/// both; the reason never quotes more than the start of a long value.
public struct InvalidQueryParameter: Error, Equatable, Sendable, CustomStringConvertible {
    /// The parameter's name as given (cut when long).
    public let parameter: String
    /// What is wrong with it.
    public let reason: String

    public init(_ parameter: String, _ reason: String) {
        self.parameter = parameter.utf8.count > InputEcho.maximumQuotedBytes ? InputEcho.quoted(parameter) : parameter
        self.reason = reason
    }

    /// The problem as a field error, the form rejections use.
    public var fieldError: FieldError { FieldError(parameter, reason) }

    public var description: String { "\(parameter): \(reason)" }
}
