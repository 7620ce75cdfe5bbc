import Foundation

/// Escaping and the few safe renderings of analyst text the site allows.
///
/// Analyst text is never interpreted as markup: it is escaped, blank lines become paragraphs and
/// single line breaks become `<br>`. Links come only from fields that are links (impact
/// assessments), and only absolute `http`/`https` addresses become anchors; anything else is shown
/// as text. That subset is smaller than Markdown on purpose: nothing to sanitise, nothing to get wrong.
enum HTML {
    /// Escapes text for element content and double- or single-quoted attribute values.
    static func escape(_ text: String) -> String {
        var needsWork = false
        for byte in text.utf8 where byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27 {
            needsWork = true
            break
        }
        guard needsWork else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Analyst prose as escaped paragraphs.
    static func prose(_ text: String) -> String {
        // Most fields are one line with nothing to trim: one paragraph, without Foundation's splitting.
        if let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
           !CharacterSet.whitespacesAndNewlines.contains(first), !CharacterSet.whitespacesAndNewlines.contains(last),
           !text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            return "<p>" + escape(text) + "</p>"
        }
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        let blocks = normalized.components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
        guard !blocks.isEmpty else { return "" }
        return blocks.map { block in
            "<p>" + block.split(separator: "\n", omittingEmptySubsequences: false)
                .map { escape(String($0)) }.joined(separator: "<br>") + "</p>"
        }.joined()
    }

    /// The address if it is an absolute `http(s)` URL with a host and no spaces or control characters.
    static func safeLinkTarget(_ text: String) -> String? {
        let lowered = text.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://"),
              !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }),
              let url = URL(string: text), let host = url.host, !host.isEmpty,
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { return nil }
        return text
    }

    /// An anchor to an outside address when safe, otherwise the escaped text alone.
    static func outsideLink(_ text: String, label: String? = nil) -> String {
        guard let target = safeLinkTarget(text) else { return escape(label ?? text) }
        return "<a href=\"\(escape(target))\" rel=\"noopener noreferrer\">\(escape(label ?? text))</a>"
    }

    /// Percent-encodes text for a `mailto:` query value.
    static func mailtoComponent(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A number with a fixed count of decimals, or the word for undefined.
    static func decimal(_ value: Double?, digits: Int = 3, undefined: String) -> String {
        guard let value, value.isFinite else { return undefined }
        let text = String(format: "%.\(digits)f", value)
        // A tiny negative difference rounds to "-0.000", which reads as a sign where there is none.
        return text.allSatisfy { "-0.".contains($0) } ? String(text.drop { $0 == "-" }) : text
    }

    /// A share of a whole as a whole percentage, with the word for undefined when the whole is 0.
    static func percent(_ part: Int, of whole: Int, undefined: String) -> String {
        guard whole > 0 else { return undefined }
        return String(format: "%.0f%%", Double(part) * 100 / Double(whole))
    }
}
