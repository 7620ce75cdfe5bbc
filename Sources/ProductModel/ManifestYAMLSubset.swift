/// A parser for the plain YAML that manifests are written in, several times faster than composing
/// the document with Yams, which indexing every version of every manifest would otherwise spend
/// most of its time on.
///
/// It accepts block mappings with plain keys, block sequences (including `- key: value` items),
/// single-line plain, single-quoted and double-quoted (escape-free) scalars, `|` and `>` block
/// scalars with clip or strip chomping, one-line flow sequences of words or quoted text, `{}` and
/// comments, and returns nil for anything else or anything it is unsure of: anchors, aliases, tags,
/// other flow collections, escapes, multi-line plain or quoted scalars, empty values, duplicate
/// keys, tabs, carriage returns, document markers, directives, and the Unicode line breaks and byte
/// order marks YAML treats specially. The caller then parses the text with Yams, so a manifest
/// decodes to the same value, lines and messages either way (`ManifestYAMLSubsetTests` compares
/// the two on every example, generated and mutated manifest).
enum ManifestYAMLSubset {
    /// The deepest nesting this parser follows; deeper documents go to Yams, which the reader's
    /// own limit (`ManifestDecoder.maximumDepth`) refuses anyway.
    static let maximumDepth = 32

    /// The document's tree, or nil when the text is outside the subset.
    static func parse(_ text: String) -> ManifestNode? {
        var text = text
        return text.withUTF8 { bytes in
            var parser = Parser(bytes: bytes)
            return parser.document()
        }
    }

    /// One line of the text: its indentation, and where its content starts (after the
    /// indentation) and ends (before the line break); a line of spaces only is blank.
    private struct Line {
        var indent: Int
        var start: Int
        let end: Int
        var isBlank: Bool { start == end }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var lines: [Line] = []
        /// The next line to read.
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func document() -> ManifestNode? {
            guard split() else { return nil }
            skipInsignificant()
            guard index < lines.count, lines[index].indent == 0 else { return nil }
            let root = block(indent: 0, depth: 1)
            skipInsignificant()
            return index == lines.count ? root : nil
        }

        /// Splits the text into lines, refusing bytes and lines outside the subset.
        private mutating func split() -> Bool {
            // A final line without a line break would change how a block scalar at the end is chomped.
            guard bytes.last == UInt8(ascii: "\n") else { return false }
            var start = 0
            var position = 0
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\n"):
                    var content = start
                    while content < position, bytes[content] == UInt8(ascii: " ") { content += 1 }
                    let line = Line(indent: content - start, start: content, end: position)
                    if line.indent == 0, !line.isBlank, startsDocumentMarker(at: content, end: position) {
                        return false
                    }
                    lines.append(line)
                    start = position + 1
                case UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x00..<0x20, 0x7F:
                    return false
                case 0xE2 where position + 2 < bytes.count && bytes[position + 1] == 0x80
                    && (bytes[position + 2] == 0xA8 || bytes[position + 2] == 0xA9):
                    return false  // U+2028 and U+2029, which YAML reads as line breaks
                case 0xEF where position + 2 < bytes.count
                    && ((bytes[position + 1] == 0xBB && bytes[position + 2] == 0xBF) || (bytes[position + 1] == 0xBF && bytes[position + 2] >= 0xBE)):
                    return false  // U+FEFF (a byte order mark) and the non-characters U+FFFE, U+FFFF
                case 0xC2 where position + 1 < bytes.count && bytes[position + 1] <= 0x9F:
                    return false  // C1 controls, NEL among them, which YAML reads as a line break
                default:
                    break
                }
                position += 1
            }
            return true
        }

        /// Whether a line at column 0 is a directive (`%YAML`) or a document marker (`---`, `...`).
        private func startsDocumentMarker(at position: Int, end: Int) -> Bool {
            let first = bytes[position]
            if first == UInt8(ascii: "%") { return true }
            guard end - position >= 3, first == UInt8(ascii: "-") || first == UInt8(ascii: ".") else { return false }
            return bytes[position + 1] == first && bytes[position + 2] == first
        }

        /// Whether a line holds nothing but a comment, or nothing at all.
        private func isInsignificant(_ line: Line) -> Bool {
            line.isBlank || bytes[line.start] == UInt8(ascii: "#")
        }

        private mutating func skipInsignificant() {
            while index < lines.count, isInsignificant(lines[index]) { index += 1 }
        }

        // MARK: Blocks

        /// The block mapping or sequence starting on the current line at `indent`.
        private mutating func block(indent: Int, depth: Int) -> ManifestNode? {
            guard depth <= maximumDepth else { return nil }
            let line = lines[index]
            if isEntry(at: line.start, end: line.end) { return sequence(indent: indent, depth: depth) }
            guard keyEnd(from: line.start, end: line.end) != nil else { return nil }
            return mapping(indent: indent, depth: depth)
        }

        /// Whether a `-` at `position` starts a sequence entry (is followed by a space or the line's end).
        private func isEntry(at position: Int, end: Int) -> Bool {
            bytes[position] == UInt8(ascii: "-") && (position + 1 == end || bytes[position + 1] == UInt8(ascii: " "))
        }

        /// The end of the plain key starting at `position` when the line is `key:` or `key: …`.
        ///
        /// Keys are letters, digits, `_`, `-` and `.`, starting with a letter, digit or `_`: every
        /// key a manifest has, and nothing YAML could read as an indicator.
        private func keyEnd(from position: Int, end: Int) -> Int? {
            var cursor = position
            while cursor < end, Self.isKeyByte(bytes[cursor]) { cursor += 1 }
            guard cursor > position, cursor < end, bytes[cursor] == UInt8(ascii: ":"),
                  cursor + 1 == end || bytes[cursor + 1] == UInt8(ascii: " ") else { return nil }
            let first = bytes[position]
            guard first != UInt8(ascii: "-"), first != UInt8(ascii: ".") else { return nil }
            return cursor
        }

        private static func isKeyByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
                true
            default:
                false
            }
        }

        private mutating func mapping(indent: Int, depth: Int) -> ManifestNode? {
            let firstLine = index + 1
            var pairs: [ManifestNode.Pair] = []
            var keys: Set<String> = []
            while true {
                skipInsignificant()
                guard index < lines.count else { break }
                let line = lines[index]
                if line.indent < indent { break }
                guard line.indent == indent, let colon = keyEnd(from: line.start, end: line.end) else { return nil }
                let name = text(line.start, colon)
                // Yams reports duplicate keys; leave them to it.
                guard keys.insert(name).inserted else { return nil }
                let key = ManifestNode(content: .scalar(name, plain: true), line: index + 1)
                guard let value = value(after: colon + 1, parentIndent: indent, depth: depth) else { return nil }
                pairs.append(ManifestNode.Pair(key: key, value: value))
            }
            return ManifestNode(content: .mapping(pairs), line: firstLine)
        }

        private mutating func sequence(indent: Int, depth: Int) -> ManifestNode? {
            let firstLine = index + 1
            var items: [ManifestNode] = []
            while true {
                skipInsignificant()
                guard index < lines.count else { break }
                let line = lines[index]
                if line.indent < indent { break }
                guard line.indent == indent, isEntry(at: line.start, end: line.end) else {
                    // A mapping's key at the same indentation ends a sequence that is its sibling's value.
                    if line.indent == indent, keyEnd(from: line.start, end: line.end) != nil { break }
                    return nil
                }
                var content = line.start + 1
                while content < line.end, bytes[content] == UInt8(ascii: " ") { content += 1 }
                if content < line.end, bytes[content] != UInt8(ascii: "#"),
                   isEntry(at: content, end: line.end) || keyEnd(from: content, end: line.end) != nil {
                    // `- key: value` and `- - item` are a mapping or sequence indented to where their text starts.
                    lines[index].indent = content - (line.start - line.indent)
                    lines[index].start = content
                    guard let item = block(indent: lines[index].indent, depth: depth + 1) else { return nil }
                    items.append(item)
                } else {
                    guard let item = value(after: line.start + 1, parentIndent: indent, depth: depth) else { return nil }
                    items.append(item)
                }
            }
            return ManifestNode(content: .sequence(items), line: firstLine)
        }

        /// The value after a key's colon or an entry's dash at `position` on the current line,
        /// leaving `index` on the line after it.
        private mutating func value(after position: Int, parentIndent: Int, depth: Int) -> ManifestNode? {
            let line = lines[index]
            var start = position
            while start < line.end, bytes[start] == UInt8(ascii: " ") { start += 1 }
            let lineNumber = index + 1
            index += 1
            if start == line.end || bytes[start] == UInt8(ascii: "#") {
                // The value is the block on the following lines: indented further, or a sequence
                // at the key's own indentation.
                skipInsignificant()
                guard index < lines.count else { return nil }
                let next = lines[index]
                if next.indent > parentIndent || (next.indent == parentIndent && isEntry(at: next.start, end: next.end)
                                                  && !isEntry(at: line.start, end: line.end)) {
                    return block(indent: next.indent, depth: depth + 1)
                }
                return nil  // an empty value
            }
            let node: ManifestNode?
            switch bytes[start] {
            case UInt8(ascii: "|"), UInt8(ascii: ">"):
                return blockScalar(header: start, end: line.end, line: lineNumber, parentIndent: parentIndent)
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                node = quoted(start, end: line.end, line: lineNumber)
            case UInt8(ascii: "["):
                node = flowSequence(start, end: line.end, line: lineNumber)
            case UInt8(ascii: "{"):
                node = emptyFlowMapping(start, end: line.end, line: lineNumber)
            default:
                node = plain(start, end: line.end, line: lineNumber)
            }
            // A further-indented line after a one-line value would continue it or be an error.
            while index < lines.count, lines[index].isBlank { index += 1 }
            guard index == lines.count || lines[index].indent <= parentIndent else { return nil }
            return node
        }

        // MARK: Scalars

        private func text(_ start: Int, _ end: Int) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }

        /// Whether only spaces and a comment follow `position` on the line.
        private func restIsComment(_ position: Int, end: Int) -> Bool {
            var cursor = position
            while cursor < end, bytes[cursor] == UInt8(ascii: " ") { cursor += 1 }
            return cursor == end || (cursor > position && bytes[cursor] == UInt8(ascii: "#"))
        }

        /// A plain scalar on one line, up to a comment.
        private func plain(_ start: Int, end: Int, line: Int) -> ManifestNode? {
            switch bytes[start] {
            case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"),
                 UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "%"), UInt8(ascii: "@"),
                 UInt8(ascii: "`"):
                return nil
            default:
                break
            }
            var cursor = start
            var last = start  // one past the last byte that is not a space
            while cursor < end {
                let byte = bytes[cursor]
                if byte == UInt8(ascii: "#"), bytes[cursor - 1] == UInt8(ascii: " ") { break }
                if byte == UInt8(ascii: ":"), cursor + 1 == end || bytes[cursor + 1] == UInt8(ascii: " ") { return nil }
                cursor += 1
                if byte != UInt8(ascii: " ") { last = cursor }
            }
            return ManifestNode(content: .scalar(text(start, last), plain: true), line: line)
        }

        /// A single- or double-quoted scalar that ends on its line; a double-quoted one without escapes.
        private func quoted(_ start: Int, end: Int, line: Int) -> ManifestNode? {
            guard let (text, next) = quotedText(start, end: end), restIsComment(next, end: end) else { return nil }
            return ManifestNode(content: .scalar(text, plain: false), line: line)
        }

        /// The text of the quoted scalar starting at `start` and the position after its closing quote.
        private func quotedText(_ start: Int, end: Int) -> (String, Int)? {
            let quote = bytes[start]
            var value: [UInt8] = []
            var cursor = start + 1
            while cursor < end {
                let byte = bytes[cursor]
                if byte == quote {
                    if quote == UInt8(ascii: "'"), cursor + 1 < end, bytes[cursor + 1] == quote {
                        value.append(quote)
                        cursor += 2
                        continue
                    }
                    return (String(decoding: value, as: UTF8.self), cursor + 1)
                }
                if byte == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") { return nil }
                value.append(byte)
                cursor += 1
            }
            return nil
        }

        /// A one-line flow sequence of words (letters, digits and `_./+@-`) and quoted scalars,
        /// such as `[]` or `[station_id, "week"]`.
        private func flowSequence(_ start: Int, end: Int, line: Int) -> ManifestNode? {
            var items: [ManifestNode] = []
            var cursor = start + 1
            func skipSpaces() { while cursor < end, bytes[cursor] == UInt8(ascii: " ") { cursor += 1 } }
            skipSpaces()
            if cursor < end, bytes[cursor] == UInt8(ascii: "]") {
                return restIsComment(cursor + 1, end: end) ? ManifestNode(content: .sequence([]), line: line) : nil
            }
            while cursor < end {
                let itemStart = cursor
                if bytes[cursor] == UInt8(ascii: "'") || bytes[cursor] == UInt8(ascii: "\"") {
                    guard let (text, next) = quotedText(cursor, end: end) else { return nil }
                    items.append(ManifestNode(content: .scalar(text, plain: false), line: line))
                    cursor = next
                } else {
                    while cursor < end, Self.isWordByte(bytes[cursor]) { cursor += 1 }
                    // `-`, `+` and `@` may not start a word: an indicator, a number's sign, a reserved character.
                    guard cursor > itemStart, ![UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "@")].contains(bytes[itemStart]) else { return nil }
                    items.append(ManifestNode(content: .scalar(text(itemStart, cursor), plain: true), line: line))
                }
                skipSpaces()
                guard cursor < end else { return nil }
                if bytes[cursor] == UInt8(ascii: "]") {
                    return restIsComment(cursor + 1, end: end) ? ManifestNode(content: .sequence(items), line: line) : nil
                }
                guard bytes[cursor] == UInt8(ascii: ",") else { return nil }
                cursor += 1
                skipSpaces()
            }
            return nil
        }

        private static func isWordByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "+"), UInt8(ascii: "@"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }

        /// `{}`.
        private func emptyFlowMapping(_ start: Int, end: Int, line: Int) -> ManifestNode? {
            guard start + 1 < end, bytes[start + 1] == UInt8(ascii: "}"), restIsComment(start + 2, end: end) else { return nil }
            return ManifestNode(content: .mapping([]), line: line)
        }

        /// A literal (`|`) or folded (`>`) scalar with clip or strip (`-`) chomping and its
        /// indentation found from its first line; `index` is on the line after the header.
        private mutating func blockScalar(header: Int, end: Int, line: Int, parentIndent: Int) -> ManifestNode? {
            let folded = bytes[header] == UInt8(ascii: ">")
            var cursor = header + 1
            let strip = cursor < end && bytes[cursor] == UInt8(ascii: "-")
            if strip { cursor += 1 }
            guard restIsComment(cursor, end: end) else { return nil }
            // The first line sets the indentation; leading empty lines are left to Yams.
            guard index < lines.count, !lines[index].isBlank, lines[index].indent > parentIndent else { return nil }
            let indent = lines[index].indent
            var contentLines: [Line] = []
            var trailingBlank = 0
            while index < lines.count {
                let current = lines[index]
                if current.isBlank {
                    // Spaces beyond the scalar's indentation would be part of its text.
                    guard current.indent <= indent else { return nil }
                    trailingBlank += 1
                    contentLines.append(current)
                    index += 1
                    continue
                }
                if current.indent < indent {
                    guard current.indent <= parentIndent else { return nil }
                    break
                }
                // More-indented lines are kept as they are in folded text; leave them to Yams.
                if folded, current.indent > indent { return nil }
                trailingBlank = 0
                contentLines.append(current)
                index += 1
            }
            contentLines.removeLast(trailingBlank)
            var value: [UInt8] = []
            var previousBlank = false
            for (position, content) in contentLines.enumerated() {
                if content.isBlank {
                    value.append(UInt8(ascii: "\n"))
                    previousBlank = true
                    continue
                }
                if position > 0 {
                    // Folding turns a single line break between two lines into a space; after
                    // empty lines, the breaks they hold stand for themselves.
                    if !folded { value.append(UInt8(ascii: "\n")) } else if !previousBlank { value.append(UInt8(ascii: " ")) }
                }
                previousBlank = false
                value.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(content.start - (content.indent - indent))..<content.end]))
            }
            if !strip { value.append(UInt8(ascii: "\n")) }
            return ManifestNode(content: .scalar(String(decoding: value, as: UTF8.self), plain: false), line: line)
        }
    }
}
