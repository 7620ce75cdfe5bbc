import ProductModel

/// Recognises a column whose values are group labels of a protected attribute (`Black`, `Female`),
/// whatever the column is called: renaming `race` to `grp` does not hide what it holds.
struct GroupLabelMatcher {
    /// The share of a column's distinct values that must be group labels before it counts as encoding an attribute.
    static let labelShare = 0.5
    /// Distinct values remembered per column; past this the scan stops and the match is judged on
    /// the values remembered, so packing a unique id beside each label (`Black|17`) cannot hide it.
    static let distinctLimit = 1_000

    /// A column that looks like a protected attribute.
    struct Match {
        /// The attribute's canonical name (`race`).
        let attribute: String
        /// The column's values that are labels of it, sorted.
        let values: [String]
        /// How many distinct values the column has.
        let distinctValues: Int

        /// Up to three matching values, quoted, for a message.
        var examples: String { values.prefix(3).map { "'\($0)'" }.joined(separator: ", ") }
    }

    /// The distinct values of one column, up to `distinctLimit` and one more.
    ///
    /// Kept as bytes, so a sample of a million rows is scanned without a `String` per cell.
    struct DistinctValues {
        private var table = ByteKeyTable(capacity: 64)

        /// Whether there were more distinct values than are remembered.
        var overflowed: Bool { table.count > GroupLabelMatcher.distinctLimit }

        mutating func add(_ bytes: UnsafeRawBufferPointer) {
            if !overflowed { _ = table.insert(bytes) }
        }

        mutating func add(_ text: String) {
            var text = text
            text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
        }

        /// The values without surrounding spaces, empty ones left out.
        var values: Set<String> {
            Set((0..<table.count).map { table.text($0).trimmed }.filter { !$0.isEmpty })
        }
    }

    /// Lowercased group label → attribute name.
    private let labels: [String: String]

    init(_ parameters: PolicyParameters) {
        var labels: [String: String] = [:]
        for attribute in parameters.protectedAttributes {
            for label in attribute.groupLabels where labels[label.lowercased()] == nil {
                labels[label.lowercased()] = attribute.name
            }
        }
        self.labels = labels
    }

    /// The attribute most of a column's values name, when at least two values and `labelShare` of
    /// them do; one incidental label (a `White` line among colours) is not enough.
    func match(_ column: DistinctValues) -> Match? {
        let distinct = column.values
        guard !distinct.isEmpty else { return nil }
        var matches: [String: Set<String>] = [:]
        for value in distinct {
            for part in Self.parts(of: value) {
                if let attribute = labels[part.lowercased()] { matches[attribute, default: []].insert(value) }
            }
        }
        let strongest = matches.max { $0.value.count < $1.value.count || ($0.value.count == $1.value.count && $0.key > $1.key) }
        guard let (attribute, values) = strongest, values.count >= 2,
              Double(values.count) / Double(distinct.count) >= Self.labelShare else { return nil }
        return Match(attribute: attribute, values: values.sorted(), distinctValues: distinct.count)
    }

    /// The value itself and its pieces when several codes are packed into one (`adult/Female`).
    static func parts(of value: String) -> [String] {
        let pieces = value.split(whereSeparator: { "/|;:×,".contains($0) }).map { String($0).trimmed }
        return pieces.count > 1 ? [value] + pieces : [value]
    }
}
