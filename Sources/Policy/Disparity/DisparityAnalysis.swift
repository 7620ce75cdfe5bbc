import Foundation
import ProductModel
import RegistrySupport

/// Why a disparity analysis could not be computed: one sentence naming the file, line or column.
public struct DisparityError: RegistryDiagnostic, Hashable {
    /// The sentence shown to the user.
    public let message: String
    /// Whether the user can fix it (content) or it is a bug.
    public let category: DiagnosticCategory

    init(_ message: String, category: DiagnosticCategory = .invalidContent) {
        self.message = message; self.category = category
    }

    /// Runs `body`, which reads `file`: its own errors pass through, a CSV error keeps its sentence.
    static func reading(_ file: String, _ body: () throws -> Void) throws(DisparityError) {
        do {
            try body()
        } catch let error as DisparityError {
            throw error
        } catch let error as CSVError {
            throw DisparityError(error.message, category: error.category)
        } catch {
            throw DisparityError("Reading '\(file)' failed unexpectedly (\(error)); report this as a bug.", category: .bug)
        }
    }
}

/// Per-group and intersectional fairness metrics of a decision output, joined to held-back audit
/// attributes the product never saw.
///
/// Both files are scanned as bytes, on two threads at once: the audit file into a table hashed by
/// key, the decision output into its keys and decisions only (no row is kept as text). The join
/// then counts per intersection cell, and each single-attribute breakdown is summed from those cells.
public enum DisparityAnalysis {
    /// Computes the report for `outputURL` (the decision output) against `auditURL`.
    ///
    /// - Parameters:
    ///   - spec: the manifest's `audit` section (its `file` and `output` are used only in messages).
    ///   - parameters: supplies the minimum group size and the digest recorded in the report.
    ///   - output: the declared decision output, needed to read a JSON-lines file (CSV needs nothing).
    public static func run(outputURL: URL, auditURL: URL, spec: AuditSpec, parameters: PolicyParameters,
                           output: ProductOutput? = nil) throws(DisparityError) -> DisparityReport {
        // The two files are read at once, one per thread, and joined once both are in memory; an
        // error in the audit file is reported first, as when it was read before the decisions.
        let (auditRead, decisionsRead) = Parallel.both(
            { Result { () throws(DisparityError) in try AuditTable(url: auditURL, spec: spec) } },
            { Result { () throws(DisparityError) in try DecisionRows(url: outputURL, spec: spec, output: output) } })
        let audit = try auditRead.get()
        let decisions = try decisionsRead.get()
        // The join is random look-ups into the audit table: the two halves of the decisions are
        // joined on the two threads, each counting on its own, and the counts added up after.
        let middle = decisions.count / 2
        let (firstHalf, secondHalf) = Parallel.both({ JoinCounts(decisions, 0..<middle, audit: audit) },
                                                    { JoinCounts(decisions, middle..<decisions.count, audit: audit) })
        let cells = zip(firstHalf.cells, secondHalf.cells).map { first, second in
            var sum = first
            sum.add(second)
            return sum
        }
        let matched = firstHalf.matched + secondHalf.matched
        let unmatched = decisions.count - matched
        let joinedAuditRows = zip(firstHalf.joined, secondHalf.joined).reduce(0) { $0 + ($1.0 | $1.1).nonzeroBitCount }

        var attributeSets = spec.attributes.map { [$0] }
        if spec.attributes.count > 1 { attributeSets.append(spec.attributes) }
        let breakdowns = attributeSets.map { attributes in
            breakdown(attributes, spec: spec, audit: audit, cells: cells, minimumGroupSize: parameters.minimumGroupSize)
        }
        return DisparityReport(parametersDigest: parameters.digest, minimumGroupSize: parameters.minimumGroupSize,
                               selectionIs: spec.selectionIs, hasLabels: audit.hasLabels, matchedRows: matched,
                               unmatchedOutputRows: unmatched, unmatchedAuditRows: audit.keys.count - joinedAuditRows,
                               breakdowns: breakdowns)
    }

    private static func breakdown(_ attributes: [String], spec: AuditSpec, audit: AuditTable, cells: [CellCounts],
                                  minimumGroupSize: Int) -> GroupBreakdown {
        let positions = attributes.compactMap { spec.attributes.firstIndex(of: $0) }
        var byValues: [[String]: CellCounts] = [:]
        for (cell, counts) in cells.enumerated() where counts.count > 0 {
            let values = positions.map { audit.cellValues[cell][$0] }
            byValues[values, default: CellCounts()].add(counts)
        }
        var groups = byValues.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { values, counts in
            metrics(values: values, attributes: attributes, counts: counts, hasLabels: audit.hasLabels,
                    minimumGroupSize: minimumGroupSize)
        }
        let reference = groups.max { $0.count < $1.count || ($0.count == $1.count && $0.label > $1.label) }
        if let reference {
            let referenceRates = Dictionary(uniqueKeysWithValues: reference.namedRates.map { ($0.name, $0.rate?.value) })
            for index in groups.indices {
                var ratios: [String: Double?] = [:]
                var differences: [String: Double?] = [:]
                for (name, rate) in groups[index].namedRates where name != "base_rate" {
                    guard let rate else { continue }
                    let base = referenceRates[name] ?? nil
                    ratios[name] = .some(rate.value.flatMap { value in base.flatMap { $0 != 0 ? value / $0 : nil } })
                    differences[name] = .some(rate.value.flatMap { value in base.map { value - $0 } })
                }
                groups[index].ratiosToReference = ratios
                groups[index].differencesToReference = differences
            }
        }
        return GroupBreakdown(attributes: attributes, groups: groups, referenceGroup: reference?.label,
                              disparities: measures(groups.filter(\.eligible), selectionIs: spec.selectionIs))
    }

    private static func metrics(values: [String], attributes: [String], counts: CellCounts, hasLabels: Bool,
                                minimumGroupSize: Int) -> GroupMetrics {
        let label = zip(attributes, values).map { "\($0)=\($1.isEmpty ? "(blank)" : $1)" }.joined(separator: " × ")
        let negatives = counts.count - counts.positives
        let falsePositives = counts.selected - counts.truePositives
        let falseNegatives = counts.positives - counts.truePositives
        let trueNegatives = negatives - falsePositives
        return GroupMetrics(
            label: label, values: values, count: counts.count, eligible: counts.count >= minimumGroupSize,
            selectionRate: Rate(counts.selected, of: counts.count),
            baseRate: hasLabels ? Rate(counts.positives, of: counts.count) : nil,
            truePositiveRate: hasLabels ? Rate(counts.truePositives, of: counts.positives) : nil,
            falsePositiveRate: hasLabels ? Rate(falsePositives, of: negatives) : nil,
            trueNegativeRate: hasLabels ? Rate(trueNegatives, of: negatives) : nil,
            falseNegativeRate: hasLabels ? Rate(falseNegatives, of: counts.positives) : nil,
            precision: hasLabels ? Rate(counts.truePositives, of: counts.selected) : nil,
            ratiosToReference: [:], differencesToReference: [:])
    }

    private static func measures(_ eligible: [GroupMetrics], selectionIs: OutcomePolarity) -> DisparityMeasures {
        func spread(_ values: [Double]) -> (min: Double, max: Double)? {
            guard values.count >= 2, let low = values.min(), let high = values.max() else { return nil }
            return (low, high)
        }
        func ratio(_ range: (min: Double, max: Double)?) -> Double? {
            guard let range, range.max > 0 else { return nil }
            return range.min / range.max
        }
        let selection = eligible.compactMap(\.selectionRate.value)
        let favourable = eligible.compactMap { group -> (String, Double)? in
            guard let rate = group.selectionRate.value else { return nil }
            return (group.label, selectionIs == .favourable ? rate : 1 - rate)
        }
        let selectionSpread = spread(selection)
        let tprSpread = spread(eligible.compactMap { $0.truePositiveRate?.value })
        let fprSpread = spread(eligible.compactMap { $0.falsePositiveRate?.value })
        let oddsDifferences = [tprSpread, fprSpread].compactMap { $0.map { $0.max - $0.min } }
        return DisparityMeasures(
            eligibleGroups: eligible.count,
            favourableRateRatio: ratio(spread(favourable.map(\.1))),
            leastFavouredGroup: favourable.count >= 2 ? favourable.min { $0.1 < $1.1 }?.0 : nil,
            demographicParityRatio: ratio(selectionSpread),
            demographicParityDifference: selectionSpread.map { $0.max - $0.min },
            equalizedOddsDifference: oddsDifferences.max())
    }
}

/// Counts for one intersection cell.
struct CellCounts: Sendable, Hashable {
    var count = 0
    var selected = 0
    var positives = 0
    var truePositives = 0

    mutating func add(_ other: CellCounts) {
        count += other.count; selected += other.selected
        positives += other.positives; truePositives += other.truePositives
    }
}

/// One thread's share of the join: per-cell counts of a range of decision rows, and which audit
/// slots they joined (one bit per slot of the audit table).
struct JoinCounts {
    var cells: [CellCounts]
    var matched = 0
    var joined: [UInt64]

    init(_ decisions: DecisionRows, _ range: Range<Int>, audit: AuditTable) {
        var cells = [CellCounts](repeating: CellCounts(), count: audit.cellValues.count)
        var joined = [UInt64](repeating: 0, count: (audit.keys.slots.count + 63) / 64)
        var matched = 0
        let table = audit.keys
        decisions.keyArena.withUnsafeBytes { keyArena in
            cells.withUnsafeMutableBufferPointer { cells in
                joined.withUnsafeMutableBufferPointer { joined in
                    table.slots.withUnsafeBufferPointer { slots in
                        decisions.keys.withUnsafeBufferPointer { keys in
                            decisions.selected.withUnsafeBufferPointer { selectedBits in
                                for index in range {
                                    guard let slot = table.find(keys[index], keyArena: keyArena) else { continue }
                                    matched += 1
                                    joined[slot >> 6] |= 1 << UInt64(slot & 63)
                                    let info = slots[slot].info
                                    let selected = selectedBits[index >> 6] & (1 << UInt64(index & 63)) != 0
                                    let cell = Int(info & AuditTable.cellMask)
                                    cells[cell].count += 1
                                    if selected { cells[cell].selected += 1 }
                                    if info & AuditTable.labelBit != 0 {
                                        cells[cell].positives += 1
                                        if selected { cells[cell].truePositives += 1 }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.cells = cells
        self.joined = joined
        self.matched = matched
    }
}

/// Expected rows of a file of `bytes` bytes, so tables start near their final size instead of
/// doubling (and copying) their way there; a guess from a short row, capped so a file of long rows
/// does not reserve more than it needs.
private func expectedRows(fileSize bytes: Int?, shortestRow: Int) -> Int {
    min((bytes ?? 0) / shortestRow, 1 << 22)
}

/// The audit file held in memory: each key's intersection cell and label.
struct AuditTable {
    /// The join keys, each with its row's packed cell and label: the intersection cell in the low
    /// bits, then whether the true outcome is positive.
    var keys = AuditKeyTable(expectedKeys: 0)
    static let cellMask: UInt32 = (1 << 30) - 1
    static let labelBit: UInt32 = 1 << 30
    /// Each cell's attribute values, in the spec's attribute order.
    var cellValues: [[String]] = []
    var hasLabels: Bool

    /// Attribute values are numbered per column as they appear; a row's cell is found from its
    /// values' numbers through `smallCells` while each number is below 16 (group labels: nearly
    /// always), through a dictionary beyond.
    private static let smallValues = 16

    init(url: URL, spec: AuditSpec) throws(DisparityError) {
        hasLabels = spec.labelColumn != nil
        guard spec.attributes.count <= 4 else {
            throw DisparityError("'audit.attributes' lists \(spec.attributes.count) attributes; compare at most 4 at once so intersections keep enough people.")
        }
        try DisparityError.reading(spec.file) {
            let reader = try CSVScanner(url: url, displayName: spec.file)
            guard let keyIndex = reader.columnIndex(spec.key) else {
                throw DisparityError("The audit file '\(spec.file)' has no join key column '\(spec.key)'; add it or fix 'audit.key'.")
            }
            var attributeIndices: [Int] = []
            for attribute in spec.attributes {
                guard let index = reader.columnIndex(attribute) else {
                    throw DisparityError("The audit file '\(spec.file)' has no column '\(attribute)' named in 'audit.attributes'; add the column or remove the attribute.")
                }
                attributeIndices.append(index)
            }
            var labelIndex: Int?
            if let label = spec.labelColumn {
                guard let index = reader.columnIndex(label) else {
                    throw DisparityError("The audit file '\(spec.file)' has no label column '\(label)'; add it or fix 'audit.label_column'.")
                }
                labelIndex = index
            }
            // An audit row is at least a key, a label and one short value per attribute.
            keys = AuditKeyTable(expectedKeys: expectedRows(fileSize: reader.fileSize, shortestRow: 20))
            var attributeValues = [ByteKeyTable](repeating: ByteKeyTable(capacity: 8), count: attributeIndices.count)
            var cellByCode: [UInt64: Int32] = [:]
            // The cell of each combination of small value numbers, 4 bits per attribute; -1 unseen.
            var smallCells = [Int32](repeating: -1, count: 1 << (4 * attributeIndices.count))
            let yes = Array("true".utf8), no = Array("false".utf8)
            // Keys go into the table in batches (see `AuditKeyTable.insert`); a batch is inserted
            // before any other error is thrown, so a repeated key on an earlier line is still the
            // error reported.
            var pending = PendingKeys()
            let repeated = { (line: Int, key: String) in
                DisparityError("The audit file '\(spec.file)' line \(line) repeats the key '\(key)'; each key must appear once.")
            }
            while true {
                let more: Bool
                do {
                    more = try reader.next()
                } catch {
                    if let duplicate = pending.flush(into: &keys) { throw repeated(duplicate.line, duplicate.key) }
                    throw error
                }
                guard more else { break }
                var code: UInt64 = 0
                var small = 0
                var allSmall = true
                for position in attributeIndices.indices {
                    let valueIndex = attributeValues[position].insert(reader.bytes(attributeIndices[position])).number
                    guard valueIndex < 0xFFFF else {
                        if let duplicate = pending.flush(into: &keys) { throw repeated(duplicate.line, duplicate.key) }
                        throw DisparityError("The audit file '\(spec.file)' column '\(spec.attributes[position])' has more than 65,535 distinct values; audit attributes must be group labels, not identifiers.")
                    }
                    code |= UInt64(valueIndex) << (16 * UInt64(position))
                    small |= valueIndex << (4 * position)
                    allSmall = allSmall && valueIndex < Self.smallValues
                }
                var cell = allSmall ? smallCells[small] : -1
                if cell < 0 {
                    if let existing = cellByCode[code] {
                        cell = existing
                    } else {
                        cell = Int32(cellValues.count)
                        cellByCode[code] = cell
                        cellValues.append((0..<attributeIndices.count).map { position in
                            attributeValues[position].text(Int((code >> (16 * UInt64(position))) & 0xFFFF))
                        })
                    }
                    if allSmall { smallCells[small] = cell }
                }
                var label = false
                if let labelIndex {
                    let field = reader.bytes(labelIndex)
                    if field.count == 1, field[0] == UInt8(ascii: "1") || field[0] == UInt8(ascii: "0") {
                        label = field[0] == UInt8(ascii: "1")
                    } else if reader.field(labelIndex, equals: yes) {
                        label = true
                    } else if !reader.field(labelIndex, equals: no) {
                        if let duplicate = pending.flush(into: &keys) { throw repeated(duplicate.line, duplicate.key) }
                        throw DisparityError("The audit file '\(spec.file)' line \(reader.line) has label '\(reader[labelIndex])' in column '\(spec.labelColumn ?? "")'; write 1 or 0 (true or false).")
                    }
                }
                pending.append(keys.pack(reader.bytes(keyIndex)), info: UInt32(cell) | (label ? AuditTable.labelBit : 0),
                               line: reader.line)
                if pending.isFull, let duplicate = pending.flush(into: &keys) { throw repeated(duplicate.line, duplicate.key) }
            }
            if let duplicate = pending.flush(into: &keys) { throw repeated(duplicate.line, duplicate.key) }
        }
    }
}

/// Audit keys waiting to go into the table together, with the line each came from.
private struct PendingKeys {
    private var keys: [PackedKey] = []
    private var infos: [UInt32] = []
    private var lines: [Int] = []
    /// Enough keys that their cache misses overlap, few enough to stay in the CPU's reach.
    private static let batchSize = 32

    var isFull: Bool { keys.count >= Self.batchSize }

    mutating func append(_ key: PackedKey, info: UInt32, line: Int) {
        keys.append(key); infos.append(info); lines.append(line)
    }

    /// Inserts the waiting keys into `table`; the line and text of the first key already there, if any.
    mutating func flush(into table: inout AuditKeyTable) -> (line: Int, key: String)? {
        defer { keys.removeAll(keepingCapacity: true); infos.removeAll(keepingCapacity: true); lines.removeAll(keepingCapacity: true) }
        guard let position = table.insert(keys, infos: infos) else { return nil }
        return (lines[position], table.text(keys[position]))
    }
}

/// The decision output held in memory as its packed join keys and whether each row was selected:
/// all the join needs, without keeping rows.
struct DecisionRows {
    /// Per row, its packed key.
    private(set) var keys: [PackedKey] = []
    /// The bytes of keys longer than 8 bytes.
    private(set) var keyArena: [UInt8] = []
    /// Per row, one bit: whether its decision is the selected value.
    private(set) var selected: [UInt64] = []

    /// How many decision rows were read.
    var count: Int { keys.count }

    /// Reads the decision output: CSV by default, JSON lines when `output` says so.
    init(url: URL, spec: AuditSpec, output: ProductOutput?) throws(DisparityError) {
        let missingKey = DisparityError("The decision output '\(spec.output)' has no join key column '\(spec.key)'; write the key in the output or fix 'audit.key'.")
        let missingDecision = DisparityError("The decision output '\(spec.output)' has no column '\(spec.decisionColumn)'; fix 'audit.decision_column' or write the decision in that column.")
        if let output, output.format == .jsonLines {
            let columns = output.columns.map(\.name)
            guard let keyIndex = columns.firstIndex(of: spec.key) else { throw missingKey }
            guard let decisionIndex = columns.firstIndex(of: spec.decisionColumn) else { throw missingDecision }
            do {
                try OutputRows.read(url, output: output) { _, fields in
                    var key = fields[keyIndex]
                    key.withUTF8 { append(key: UnsafeRawBufferPointer($0), selected: fields[decisionIndex] == spec.selectedValue) }
                }
            } catch {
                throw DisparityError(error.message)
            }
            return
        }
        try DisparityError.reading(spec.output) {
            let reader = try CSVScanner(url: url, displayName: spec.output)
            guard let keyIndex = reader.columnIndex(spec.key) else { throw missingKey }
            guard let decisionIndex = reader.columnIndex(spec.decisionColumn) else { throw missingDecision }
            // A decision row is at least a short key and a one-character decision.
            let expected = expectedRows(fileSize: reader.fileSize, shortestRow: 10)
            keys.reserveCapacity(expected)
            selected.reserveCapacity(expected / 64 + 1)
            let selectedBytes = Array(spec.selectedValue.utf8)
            while try reader.next() {
                append(key: reader.bytes(keyIndex), selected: reader.field(decisionIndex, equals: selectedBytes))
            }
        }
    }

    private mutating func append(key: UnsafeRawBufferPointer, selected isSelected: Bool) {
        let index = keys.count
        keys.append(PackedKey(key, arena: &keyArena))
        if index & 63 == 0 { selected.append(0) }
        if isSelected { selected[index >> 6] |= 1 << UInt64(index & 63) }
    }
}
