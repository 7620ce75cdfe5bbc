import Foundation

/// Where human output goes, and whether it may use colour.
struct Terminal: Sendable {
    let fileDescriptor: Int32

    static let standardOutput = Terminal(fileDescriptor: STDOUT_FILENO)
    static let standardError = Terminal(fileDescriptor: STDERR_FILENO)

    /// Colour only on a terminal and only when `NO_COLOR` is not set.
    var usesColour: Bool {
        isatty(fileDescriptor) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Writes one message and a line break, with control characters made visible.
    func writeLine(_ text: String) {
        let data = Data((Self.visible(text) + "\n").utf8)
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    enum Style: String {
        case red = "31", green = "32", yellow = "33", bold = "1", dim = "2"
    }

    /// Text that shows as itself on a terminal, whoever wrote it.
    ///
    /// Product names, findings and a product's stdout and stderr come from analysts' code; printed
    /// raw, an escape sequence in them could clear the screen, move the cursor or hide text, and
    /// forge what the registry says. Control characters (C0 other than line break and tab, DEL, C1;
    /// CR only on its own, since CRLF is a line break) become `\xHH`, so ESC shows as `\x1b`, and
    /// bidirectional formatting characters, which reorder what is displayed, become `\u{HHHH}`.
    static func visible(_ text: String) -> String {
        // A Windows line ending in a product's output is a line break; only a lone CR moves the cursor.
        let text = text.contains("\r\n") ? text.replacingOccurrences(of: "\r\n", with: "\n") : text
        func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
            (scalar.isControlCharacter && scalar != "\n" && scalar != "\t") || isBidirectionalFormatting(scalar)
        }
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if !needsEscape(scalar) {
                out.unicodeScalars.append(scalar)
            } else if scalar.value <= 0xFF {
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            } else {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }

    /// U+061C, U+200E–U+200F, U+202A–U+202E and U+2066–U+2069: marks, embeddings, overrides and isolates.
    private static func isBidirectionalFormatting(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Wraps text in an ANSI style when colour is allowed.
    func styled(_ text: String, _ style: Style) -> String {
        usesColour ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}
