import Foundation

/// Size limits that keep a hostile or broken CSV from exhausting memory.
public struct CSVLimits: Sendable, Hashable {
    /// Largest field, in bytes.
    public var maximumFieldBytes: Int
    /// Most fields in one row (header included).
    public var maximumFieldCount: Int
    /// Largest row, in bytes, counting all its fields.
    public var maximumRowBytes: Int

    /// Limits generous enough for any real sample or output, tight enough to stop a runaway file.
    public init(maximumFieldBytes: Int = 1 << 20, maximumFieldCount: Int = 4_096, maximumRowBytes: Int = 8 << 20) {
        self.maximumFieldBytes = maximumFieldBytes
        self.maximumFieldCount = maximumFieldCount
        self.maximumRowBytes = maximumRowBytes
    }
}

/// Why a CSV file could not be read: one sentence naming the file and line.
public struct CSVError: RegistryDiagnostic, Hashable {
    /// The file as the user knows it (a path relative to the product or repository).
    public let file: String
    /// One-based physical line where the problem was found, if it is in the content.
    public let line: Int?
    /// What is wrong and what to do, without the location.
    public let reason: String
    /// Content problems are the user's to fix; unreadable files are environment problems.
    public let category: DiagnosticCategory

    /// An error at `line` of `file`; `reason` is a clause without a final full stop.
    public init(file: String, line: Int?, reason: String, category: DiagnosticCategory = .invalidContent) {
        self.file = file; self.line = line; self.reason = reason; self.category = category
    }

    public var message: String {
        if let line { return "'\(file)' line \(line): \(reason)." }
        return "'\(file)': \(reason)."
    }
}

/// One row of a CSV file, with its fields held as bytes until asked for.
///
/// Keeping bytes lets the hot paths (joins, counting) compare and hash fields without building a
/// `String` for every cell.
public struct CSVRecord: Sendable {
    /// The one-based physical line the row starts on (the header is line 1).
    public internal(set) var line: Int
    @usableFromInline var bytes: [UInt8]
    /// The end offset of each field in `bytes`; a field starts where the previous one ended.
    @usableFromInline var ends: [Int]

    init() {
        line = 0
        bytes = []
        bytes.reserveCapacity(4_096)
        ends = []
        ends.reserveCapacity(64)
    }

    /// How many fields the row has.
    @inlinable public var count: Int { ends.count }

    /// The bytes of field `index`.
    @inlinable public func bytes(at index: Int) -> ArraySlice<UInt8> {
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes[start..<ends[index]]
    }

    /// The text of field `index` (the reader has already checked it is UTF-8).
    @inlinable public subscript(index: Int) -> String {
        String(decoding: bytes(at: index), as: UTF8.self)
    }

    /// All fields as text.
    public var fields: [String] { (0..<count).map { self[$0] } }

    /// Calls `body` with the raw bytes of field `index`, without copying them.
    @inlinable public func withUnsafeBytes<Result>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let start = index == 0 ? 0 : ends[index - 1]
        let end = ends[index]
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    /// Whether field `index` holds exactly the UTF-8 bytes of `text`.
    @inlinable public func field(_ index: Int, equals text: [UInt8]) -> Bool {
        bytes(at: index).elementsEqual(text)
    }
}

/// A streaming RFC 4180 reader: quoted fields with embedded commas, quotes and line breaks, LF or
/// CRLF line endings, a header row, UTF-8 checked, sizes limited.
///
/// It works on bytes read in large chunks, so a million rows stream in a fraction of a second and
/// memory stays flat however long the file is. A leading UTF-8 byte-order mark is skipped, since
/// spreadsheet programs write one.
public final class CSVReader {
    /// The column names from the first row.
    public private(set) var header: [String] = []
    /// The name used in error messages.
    public let displayName: String

    private let handle: FileHandle
    private let limits: CSVLimits
    /// One read's worth of the file; a fixed buffer so the parser can index it without closures.
    private let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 20)
    private var chunkCount = 0
    private var position = 0
    private var atEnd = false
    private var line = 1
    private var record = CSVRecord()
    private var finished = false

    /// Opens `url` and reads its header row.
    ///
    /// - Parameter displayName: how to name the file in messages; defaults to its last path component.
    public init(url: URL, displayName: String? = nil, limits: CSVLimits = CSVLimits()) throws(CSVError) {
        let name = displayName ?? url.lastPathComponent
        self.displayName = name
        self.limits = limits
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw CSVError(file: name, line: nil,
                           reason: "the file cannot be opened (\(error.localizedDescription)); check that it exists and is readable",
                           category: .environment)
        }
        // A folder opens like a file and only fails on the first read, with a bare error number.
        var info = stat()
        if fstat(handle.fileDescriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw CSVError(file: name, line: nil, reason: "it is a folder, not a file; give the path of a CSV file",
                           category: .environment)
        }
        try fill()
        if chunkCount >= 3, chunk[0] == 0xEF, chunk[1] == 0xBB, chunk[2] == 0xBF { position = 3 }
        guard let first = try next() else {
            throw CSVError(file: name, line: nil, reason: "the file is empty; a CSV file needs a header row naming its columns")
        }
        var seen = Set<String>()
        for (index, column) in first.fields.enumerated() {
            if column.isEmpty {
                throw CSVError(file: name, line: 1, reason: "header column \(index + 1) has no name; name every column")
            }
            if !seen.insert(column).inserted {
                throw CSVError(file: name, line: 1, reason: "column '\(column)' appears twice in the header; give each column a unique name")
            }
        }
        header = first.fields
    }

    deinit {
        chunk.deallocate()
        try? handle.close()
    }

    /// Reads every data row into memory; for small files such as aggregate outputs.
    public static func readAll(url: URL, displayName: String? = nil,
                               limits: CSVLimits = CSVLimits()) throws(CSVError) -> (header: [String], rows: [[String]]) {
        let reader = try CSVReader(url: url, displayName: displayName, limits: limits)
        var rows: [[String]] = []
        while let record = try reader.next() { rows.append(record.fields) }
        return (reader.header, rows)
    }

    /// The index of a header column, if present.
    public func columnIndex(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// The next data row, or `nil` at the end of the file.
    ///
    /// Every row must have as many fields as the header.
    public func next() throws(CSVError) -> CSVRecord? {
        guard !finished else { return nil }
        guard try parseRecord() else {
            finished = true
            return nil
        }
        if !header.isEmpty, record.count != header.count {
            let hint = record.count > header.count
                ? "quote fields that contain commas, or remove the extra fields"
                : "add the missing fields (leave them empty if there is no value)"
            throw CSVError(file: displayName, line: record.line,
                           reason: "the row has \(record.count) fields but the header has \(header.count); \(hint)")
        }
        return record
    }

    private func fill() throws(CSVError) {
        let count = read(handle.fileDescriptor, chunk.baseAddress, chunk.count)
        guard count >= 0 else {
            throw CSVError(file: displayName, line: line,
                           reason: "reading failed (error \(errno)); check the file is readable", category: .environment)
        }
        chunkCount = count
        atEnd = count == 0
        position = 0
    }

    private func fail(_ reason: String, line: Int? = nil) -> CSVError {
        CSVError(file: displayName, line: line ?? self.line, reason: reason)
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, carriageReturn }

    /// Closes the field that started at `fieldStart`, enforcing the size limits.
    @inline(__always)
    private func endField(_ bytes: [UInt8], _ ends: inout [Int], _ fieldStart: inout Int) throws(CSVError) {
        if bytes.count - fieldStart > limits.maximumFieldBytes {
            throw fail("field \(ends.count + 1) is longer than \(limits.maximumFieldBytes) bytes; shorten it or split the data", line: record.line)
        }
        if ends.count >= limits.maximumFieldCount {
            throw fail("the row has more than \(limits.maximumFieldCount) fields; split the file into narrower tables", line: record.line)
        }
        ends.append(bytes.count)
        fieldStart = bytes.count
    }

    /// Parses one record into `record`; returns false at a clean end of file.
    ///
    /// The record's arrays are moved into locals for the loop (and back at the end), so appending
    /// never copies them and the hot loop touches no class storage.
    private func parseRecord() throws(CSVError) -> Bool {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        swap(&bytes, &record.bytes)
        swap(&ends, &record.ends)
        defer {
            swap(&bytes, &record.bytes)
            swap(&ends, &record.ends)
        }
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        record.line = line
        var state = State.fieldStart
        var fieldStart = 0
        var quoteLine = line
        let maximumRowBytes = limits.maximumRowBytes

        while true {
            if position >= chunkCount {
                if !atEnd { try fill() }
                if position >= chunkCount {
                    switch state {
                    case .fieldStart:
                        if ends.isEmpty { return false }
                        try endField(bytes, &ends, &fieldStart)
                    case .unquoted, .quoteInQuoted, .carriageReturn:
                        try endField(bytes, &ends, &fieldStart)
                    case .quoted:
                        throw fail("a quoted field opened on line \(quoteLine) is never closed; add the closing quote (\") or double any quote inside the field",
                                   line: quoteLine)
                    }
                    try validate(bytes, ends)
                    return true
                }
            }
            let buffer = chunk
            let end = chunkCount
            var index = position
            while index < end {
                let byte = buffer[index]
                switch state {
                case .fieldStart, .unquoted:
                    if state == .fieldStart && byte == 0x22 {
                        state = .quoted
                        quoteLine = line
                        index += 1
                        continue
                    }
                    var runEnd = index
                    while runEnd < end {
                        let b = buffer[runEnd]
                        if b == 0x2C || b == 0x0A || b == 0x0D || b == 0x22 { break }
                        runEnd += 1
                    }
                    if runEnd > index {
                        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<runEnd]))
                        state = .unquoted
                        index = runEnd
                        if bytes.count > maximumRowBytes {
                            throw fail("the row is longer than \(maximumRowBytes) bytes; check for a missing line break or quote", line: record.line)
                        }
                        continue
                    }
                    switch byte {
                    case 0x2C:
                        try endField(bytes, &ends, &fieldStart)
                        state = .fieldStart
                        index += 1
                    case 0x0A:
                        try endField(bytes, &ends, &fieldStart)
                        line += 1
                        position = index + 1
                        try validate(bytes, ends)
                        return true
                    case 0x0D:
                        state = .carriageReturn
                        index += 1
                    default:
                        throw fail("a quote (\") appears inside an unquoted field; enclose the whole field in quotes and write the quote twice (\"\")")
                    }
                case .quoted:
                    var runEnd = index
                    while runEnd < end {
                        let b = buffer[runEnd]
                        if b == 0x22 { break }
                        if b == 0x0A { line += 1 }
                        runEnd += 1
                    }
                    if runEnd > index {
                        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<runEnd]))
                        index = runEnd
                        if bytes.count > maximumRowBytes {
                            throw fail("the row is longer than \(maximumRowBytes) bytes; check for an unclosed quote", line: quoteLine)
                        }
                        continue
                    }
                    state = .quoteInQuoted
                    index += 1
                case .quoteInQuoted:
                    switch byte {
                    case 0x22:
                        bytes.append(0x22)
                        state = .quoted
                        index += 1
                    case 0x2C:
                        try endField(bytes, &ends, &fieldStart)
                        state = .fieldStart
                        index += 1
                    case 0x0A:
                        try endField(bytes, &ends, &fieldStart)
                        line += 1
                        position = index + 1
                        try validate(bytes, ends)
                        return true
                    case 0x0D:
                        state = .carriageReturn
                        index += 1
                    default:
                        throw fail("text follows the closing quote of a field; put the whole field inside the quotes")
                    }
                case .carriageReturn:
                    guard byte == 0x0A else {
                        throw fail("a carriage return (CR) is not followed by a line feed; use LF or CRLF line endings")
                    }
                    try endField(bytes, &ends, &fieldStart)
                    line += 1
                    position = index + 1
                    try validate(bytes, ends)
                    return true
                }
            }
            position = index
        }
    }

    /// Checks a record's text is UTF-8, field by field, only when it holds non-ASCII bytes.
    private func validate(_ bytes: [UInt8], _ ends: [Int]) throws(CSVError) {
        var high: UInt8 = 0
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer { high |= byte }
        }
        guard high & 0x80 != 0 else { return }
        var start = 0
        for (index, end) in ends.enumerated() {
            defer { start = end }
            if String(validating: bytes[start..<end], as: UTF8.self) == nil {
                throw fail("field \(index + 1) is not valid UTF-8; save the file as UTF-8", line: record.line)
            }
        }
    }
}

/// Writes RFC 4180 CSV with LF line endings, quoting only the fields that need it.
public struct CSVWriter: Sendable {
    private var buffer: [UInt8] = []

    public init() {}

    /// Appends one row.
    public mutating func write(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(0x2C) }
            CSVWriter.append(field, to: &buffer)
        }
        buffer.append(0x0A)
    }

    /// The bytes written so far.
    public var bytes: [UInt8] { buffer }

    /// The text written so far.
    public var text: String { String(decoding: buffer, as: UTF8.self) }

    /// Renders a whole table (header first) as CSV text.
    public static func render(header: [String], rows: [[String]]) -> String {
        var writer = CSVWriter()
        writer.write(header)
        for row in rows { writer.write(row) }
        return writer.text
    }

    private static func append(_ field: String, to buffer: inout [UInt8]) {
        let utf8 = field.utf8
        let needsQuotes = utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            buffer.append(contentsOf: utf8)
            return
        }
        buffer.append(0x22)
        for byte in utf8 {
            if byte == 0x22 { buffer.append(0x22) }
            buffer.append(byte)
        }
        buffer.append(0x22)
    }
}
