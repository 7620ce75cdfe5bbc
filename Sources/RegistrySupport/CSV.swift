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

/// A streaming reader of whole records, for callers that keep rows or want them as text; it copies
/// each record out of a `CSVScanner`, which parses and checks the file.
public final class CSVReader {
    /// The column names from the first row.
    public var header: [String] { scanner.header }
    /// The name used in error messages.
    public var displayName: String { scanner.displayName }

    private let scanner: CSVScanner
    private var record = CSVRecord()

    /// Opens `url` and reads its header row.
    ///
    /// - Parameter displayName: how to name the file in messages; defaults to its last path component.
    public init(url: URL, displayName: String? = nil, limits: CSVLimits = CSVLimits()) throws(CSVError) {
        scanner = try CSVScanner(url: url, displayName: displayName, limits: limits)
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
    public func columnIndex(_ name: String) -> Int? { scanner.columnIndex(name) }

    /// The next data row, or `nil` at the end of the file.
    ///
    /// Every row must have as many fields as the header.
    public func next() throws(CSVError) -> CSVRecord? {
        guard try scanner.next() else { return nil }
        record.line = scanner.line
        record.bytes.removeAll(keepingCapacity: true)
        record.ends.removeAll(keepingCapacity: true)
        for index in 0..<scanner.fieldCount {
            record.bytes.append(contentsOf: scanner.bytes(index))
            record.ends.append(record.bytes.count)
        }
        return record
    }
}

/// A byte-level RFC 4180 scanner: quoted fields with embedded commas, quotes and line breaks, LF or
/// CRLF line endings, a header row, UTF-8 checked, sizes limited.
///
/// The file is read in large chunks into one buffer and each record's fields are handed out as
/// byte ranges of that buffer: no `String` and no copy per field, so a million rows scan at the
/// speed of memory. A quoted field's doubled quotes are undone in place once its record is whole.
/// A leading UTF-8 byte-order mark is skipped, since spreadsheet programs write one.
///
/// The field offsets live in buffers the scanner allocates, and a record is scanned in local
/// variables written back once: Swift checks exclusive access to a class's array properties at
/// run time on every append, which took a fifth of the time of a million-row scan.
///
/// A record is valid until the next call to `next()`; read what you need from it before then.
public final class CSVScanner {
    /// The column names from the first row.
    public private(set) var header: [String] = []
    /// The name used in error messages.
    public let displayName: String
    /// The one-based physical line the current record starts on (the header is line 1).
    public private(set) var line = 1
    /// How many fields the current record has (as many as the header, once past it).
    public private(set) var fieldCount = 0

    private let handle: FileHandle
    private let descriptor: Int32
    private let limits: CSVLimits
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes of the file held in `buffer`, and where the next record starts.
    private var count = 0
    private var position = 0
    private var atEnd = false
    /// The line the next record starts on.
    private var nextLine = 1
    /// The current record's fields as offsets into `buffer`: field `i` is `starts[i]..<ends[i]`.
    private var starts: UnsafeMutablePointer<Int>
    private var ends: UnsafeMutablePointer<Int>
    /// The current record's quoted fields that hold doubled quotes, to undo once it is whole.
    private var escaped: UnsafeMutablePointer<Int>
    private var escapedCount = 0
    /// Room in `starts`, `ends` and `escaped`; doubles up to the field limit.
    private var fieldCapacity = 64
    private var finished = false

    /// Opens `url` and reads its header row.
    ///
    /// - Parameters:
    ///   - displayName: how to name the file in messages; defaults to its last path component.
    ///   - chunkSize: how much to read at a time (tests make it tiny to cross many chunk edges).
    public init(url: URL, displayName: String? = nil, limits: CSVLimits = CSVLimits(), chunkSize: Int = 1 << 20) throws(CSVError) {
        let name = displayName ?? url.lastPathComponent
        self.displayName = name
        self.limits = limits
        capacity = max(chunkSize, 16)
        buffer = .allocate(capacity: capacity)
        starts = .allocate(capacity: fieldCapacity)
        ends = .allocate(capacity: fieldCapacity)
        escaped = .allocate(capacity: fieldCapacity)
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw CSVError(file: name, line: nil,
                           reason: "the file cannot be opened (\(error.localizedDescription)); check that it exists and is readable",
                           category: .environment)
        }
        descriptor = handle.fileDescriptor
        // A folder opens like a file and only fails on the first read, with a bare error number.
        var info = stat()
        if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw CSVError(file: name, line: nil, reason: "it is a folder, not a file; give the path of a CSV file",
                           category: .environment)
        }
        try refill()
        if count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
        guard try next() else {
            throw CSVError(file: name, line: nil, reason: "the file is empty; a CSV file needs a header row naming its columns")
        }
        var seen = Set<String>()
        for index in 0..<fieldCount {
            let column = self[index]
            if column.isEmpty {
                throw CSVError(file: name, line: 1, reason: "header column \(index + 1) has no name; name every column")
            }
            if !seen.insert(column).inserted {
                throw CSVError(file: name, line: 1, reason: "column '\(column)' appears twice in the header; give each column a unique name")
            }
            header.append(column)
        }
        headerCount = header.count
    }

    deinit {
        buffer.deallocate()
        starts.deallocate()
        ends.deallocate()
        escaped.deallocate()
        try? handle.close()
    }

    /// The header's field count, 0 while the header itself is read; kept apart from `header` so
    /// checking each record reads one integer.
    private var headerCount = 0

    /// The size of the file in bytes, for callers that size their tables from it; nil when unknown.
    public var fileSize: Int? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// The index of a header column, if present.
    public func columnIndex(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// The bytes of field `index` of the current record, valid until the next call to `next()`.
    public func bytes(_ index: Int) -> UnsafeRawBufferPointer {
        precondition(index >= 0 && index < fieldCount, "field \(index) of a record of \(fieldCount) fields")
        return UnsafeRawBufferPointer(start: buffer + starts[index], count: ends[index] - starts[index])
    }

    /// The text of field `index` of the current record (the scanner has already checked it is UTF-8).
    public subscript(index: Int) -> String {
        String(decoding: bytes(index), as: UTF8.self)
    }

    /// Whether field `index` of the current record holds exactly the bytes of `text`.
    public func field(_ index: Int, equals text: [UInt8]) -> Bool {
        let field = bytes(index)
        guard field.count == text.count else { return false }
        return text.withUnsafeBytes { expected in
            guard let expectedBase = expected.baseAddress, let fieldBase = field.baseAddress else { return true }
            return memcmp(expectedBase, fieldBase, field.count) == 0
        }
    }

    /// Moves to the next data row; false at the end of the file.
    ///
    /// Every row must have as many fields as the header.
    public func next() throws(CSVError) -> Bool {
        guard !finished else { return false }
        while true {
            switch try scanRecord() {
            case .record:
                try finishRecord()
                return true
            case .end:
                finished = true
                fieldCount = 0
                return false
            case .needsMore:
                try refill()
            }
        }
    }

    private enum Outcome { case record, end, needsMore }

    private func fail(_ reason: String, line: Int) -> CSVError {
        CSVError(file: displayName, line: line, reason: reason)
    }

    /// Keeps the unfinished record, moved to the front of the buffer, and reads more after it; the
    /// buffer doubles when one record fills it (the row limit stops that from running away).
    private func refill() throws(CSVError) {
        if position > 0 {
            memmove(buffer, buffer + position, count - position)
            count -= position
            position = 0
        }
        if count == capacity {
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            larger.update(from: buffer, count: count)
            buffer.deallocate()
            buffer = larger
            capacity *= 2
        }
        let read = Foundation.read(descriptor, buffer + count, capacity - count)
        guard read >= 0 else {
            throw CSVError(file: displayName, line: nextLine,
                           reason: "reading failed (error \(errno)); check the file is readable", category: .environment)
        }
        count += read
        atEnd = read == 0
    }

    /// Doubles the room for field offsets, keeping the `kept` offsets (and `keptEscaped` entries of
    /// `escaped`) already recorded.
    private func growFields(keeping kept: Int, escaped keptEscaped: Int) {
        let larger = fieldCapacity * 2
        func moved(_ old: UnsafeMutablePointer<Int>, keeping count: Int) -> UnsafeMutablePointer<Int> {
            let new = UnsafeMutablePointer<Int>.allocate(capacity: larger)
            new.update(from: old, count: count)
            old.deallocate()
            return new
        }
        starts = moved(starts, keeping: kept)
        ends = moved(ends, keeping: kept)
        escaped = moved(escaped, keeping: keptEscaped)
        fieldCapacity = larger
    }

    /// Scans one record from `position`, recording its fields; touches no byte of the buffer, so
    /// a record cut by the end of the buffer is scanned again from its start after a refill.
    private func scanRecord() throws(CSVError) -> Outcome {
        let recordLine = nextLine
        line = recordLine
        var currentLine = recordLine
        var fields = 0
        var escapedFields = 0
        var rowBytes = 0
        var index = position
        let end = count
        let atEnd = self.atEnd
        let bytes = buffer
        let limits = self.limits
        var starts = self.starts, ends = self.ends, escaped = self.escaped, fieldCapacity = self.fieldCapacity
        defer {
            fieldCount = fields
            escapedCount = escapedFields
        }

        /// Closes a field of `length` content bytes spanning `start..<stop`, enforcing the limits.
        func close(_ start: Int, _ stop: Int, length: Int, quoteLine: Int?) throws(CSVError) {
            rowBytes += length
            if rowBytes > limits.maximumRowBytes { throw rowTooLong(quoteLine: quoteLine) }
            if length > limits.maximumFieldBytes {
                throw fail("field \(fields + 1) is longer than \(limits.maximumFieldBytes) bytes; shorten it or split the data", line: recordLine)
            }
            if fields >= limits.maximumFieldCount {
                throw fail("the row has more than \(limits.maximumFieldCount) fields; split the file into narrower tables", line: recordLine)
            }
            if fields == fieldCapacity {
                growFields(keeping: fields, escaped: escapedFields)
                starts = self.starts; ends = self.ends; escaped = self.escaped; fieldCapacity = self.fieldCapacity
            }
            starts[fields] = start
            ends[fields] = stop
            fields += 1
        }
        func rowTooLong(quoteLine: Int?) -> CSVError {
            if let quoteLine {
                return fail("the row is longer than \(limits.maximumRowBytes) bytes; check for an unclosed quote", line: quoteLine)
            }
            return fail("the row is longer than \(limits.maximumRowBytes) bytes; check for a missing line break or quote", line: recordLine)
        }
        /// Out of bytes mid-record: read more, unless the record is already too long to keep.
        func partial(_ pending: Int, quoteLine: Int?) throws(CSVError) -> Outcome {
            if rowBytes + pending > limits.maximumRowBytes { throw rowTooLong(quoteLine: quoteLine) }
            return .needsMore
        }
        /// The record ends at `next`, with the next record starting on `line`.
        func complete(_ next: Int, line: Int) -> Outcome {
            position = next
            nextLine = line
            return .record
        }

        if index >= end {
            if !atEnd { return .needsMore }
            return .end
        }
        while true {
            // The start of a field.
            if index >= end {
                if !atEnd { return .needsMore }
                try close(index, index, length: 0, quoteLine: nil)
                return complete(index, line: currentLine)
            }
            if bytes[index] == 0x22 {
                let quoteLine = currentLine
                let start = index + 1
                var doubled = 0
                var cursor = start
                while true {
                    while cursor < end, bytes[cursor] != 0x22 {
                        if bytes[cursor] == 0x0A { currentLine += 1 }
                        cursor += 1
                    }
                    if cursor >= end {
                        if !atEnd { return try partial(cursor - start - doubled, quoteLine: quoteLine) }
                        throw fail("a quoted field opened on line \(quoteLine) is never closed; add the closing quote (\") or double any quote inside the field",
                                   line: quoteLine)
                    }
                    // A quote: doubled, or the closing one.
                    if cursor + 1 >= end, !atEnd { return try partial(cursor - start - doubled, quoteLine: quoteLine) }
                    if cursor + 1 < end, bytes[cursor + 1] == 0x22 {
                        doubled += 1
                        cursor += 2
                        continue
                    }
                    break
                }
                if doubled > 0 {
                    // `close` below grows the buffers before this entry could overflow them.
                    if fields == fieldCapacity {
                        growFields(keeping: fields, escaped: escapedFields)
                        starts = self.starts; ends = self.ends; escaped = self.escaped; fieldCapacity = self.fieldCapacity
                    }
                    escaped[escapedFields] = fields
                    escapedFields += 1
                }
                try close(start, cursor, length: cursor - start - doubled, quoteLine: quoteLine)
                index = cursor + 1
            } else {
                let start = index
                while index < end {
                    let byte = bytes[index]
                    if byte == 0x2C || byte == 0x0A || byte == 0x0D || byte == 0x22 { break }
                    index += 1
                }
                if index >= end, !atEnd { return try partial(index - start, quoteLine: nil) }
                if index < end, bytes[index] == 0x22 {
                    throw fail("a quote (\") appears inside an unquoted field; enclose the whole field in quotes and write the quote twice (\"\")",
                               line: currentLine)
                }
                try close(start, index, length: index - start, quoteLine: nil)
            }
            // After a field: a comma, a line break or the end of the file.
            if index >= end {
                if !atEnd { return .needsMore }
                return complete(index, line: currentLine)
            }
            switch bytes[index] {
            case 0x2C:
                index += 1
            case 0x0A:
                return complete(index + 1, line: currentLine + 1)
            case 0x0D:
                if index + 1 >= end {
                    if !atEnd { return .needsMore }
                    return complete(index + 1, line: currentLine)
                }
                guard bytes[index + 1] == 0x0A else {
                    throw fail("a carriage return (CR) is not followed by a line feed; use LF or CRLF line endings", line: currentLine)
                }
                return complete(index + 2, line: currentLine + 1)
            default:
                throw fail("text follows the closing quote of a field; put the whole field inside the quotes", line: currentLine)
            }
        }
    }

    /// Undoes doubled quotes in place, then checks the field count and the UTF-8 of the record.
    private func finishRecord() throws(CSVError) {
        let bytes = buffer, starts = self.starts, ends = self.ends, fields = fieldCount
        for entry in 0..<escapedCount {
            let field = escaped[entry]
            var read = starts[field], write = starts[field]
            while read < ends[field] {
                bytes[write] = bytes[read]
                read += bytes[read] == 0x22 ? 2 : 1
                write += 1
            }
            ends[field] = write
        }
        let headerCount = self.headerCount
        if headerCount > 0, fields != headerCount {
            let hint = fields > headerCount
                ? "quote fields that contain commas, or remove the extra fields"
                : "add the missing fields (leave them empty if there is no value)"
            throw fail("the row has \(fields) fields but the header has \(headerCount); \(hint)", line: line)
        }
        guard fields > 0 else { return }
        // ASCII-only records, nearly all of them, need no decoding: OR the bytes together and look
        // at the high bit.
        var high: UInt8 = 0
        for offset in starts[0]..<ends[fields - 1] { high |= bytes[offset] }
        guard high & 0x80 != 0 else { return }
        for index in 0..<fields where String(validating: UnsafeBufferPointer(start: bytes + starts[index], count: ends[index] - starts[index]), as: UTF8.self) == nil {
            throw fail("field \(index + 1) is not valid UTF-8; save the file as UTF-8", line: line)
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
