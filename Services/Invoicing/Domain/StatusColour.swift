import KvittContracts

/// The status colours for an invoice that Billecta's public FAQ describes.
enum StatusColour: String, Codable, Sendable, CaseIterable {
    /// Overdue and unpaid.
    case red
    /// Due within the creditor's warning window.
    case yellow
    /// Not yet due.
    case green
    /// Paid, credited or otherwise settled.
    case closed
    /// Not issued yet.
    case draft

    /// The colour on `today` (a Stockholm date) of an issued invoice with this balance.
    static func of(dueDate: CalendarDate, balance: Int64, issued: Bool, today: CalendarDate, warningWindowDays: Int)
        -> StatusColour
    {
        guard issued else { return .draft }
        guard balance > 0 else { return .closed }
        if today > dueDate { return .red }
        if today.days(until: dueDate) <= warningWindowDays { return .yellow }
        return .green
    }
}
