/// A plain-text table with aligned columns, for human output.
///
/// Every column is as wide as its widest cell: cells are never cut, so long group labels
/// (`Hispanic or Latino × Female`) stay whole and distinguishable.
struct TextTable {
    let headers: [String]
    let rows: [[String]]
    /// Columns padded on the left, so numbers line up by their last digit.
    var rightAligned: Set<Int> = []

    func render() -> String {
        // Made visible before measuring, so an escaped control character keeps the columns aligned.
        let all = ([headers] + rows).map { $0.map(Terminal.visible) }
        let widths = headers.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                // Padded by characters, as the widths are counted (Foundation's padding goes through NSString).
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                if rightAligned.contains(index) { return padding + cell }
                return index == row.count - 1 ? cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces
        }.joined(separator: "\n")
    }
}

extension String {
    /// The line without the spaces an empty last cell leaves behind.
    fileprivate var trimmingTrailingSpaces: String {
        String(self[..<(lastIndex { $0 != " " }.map { index(after: $0) } ?? startIndex)])
    }
}
