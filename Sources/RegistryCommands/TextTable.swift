/// A plain-text table with aligned columns, for human output.
struct TextTable {
    let headers: [String]
    let rows: [[String]]

    func render() -> String {
        // Made visible before measuring, so an escaped control character keeps the columns aligned.
        let all = ([headers] + rows).map { $0.map(Terminal.visible) }
        let widths = headers.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                // Padded by characters, as the widths are counted (Foundation's padding goes through NSString).
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
