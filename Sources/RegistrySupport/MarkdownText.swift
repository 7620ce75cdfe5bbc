/// Text that Markdown renderers (a pull request comment) show as itself.
public enum MarkdownText {
    /// `text` as literal inline Markdown: one line, every character that Markdown or HTML would
    /// read as syntax escaped, a control character shown as U+FFFD, and `@` written as an entity so that a value naming `@someone`
    /// never notifies them from a comment.
    ///
    /// Manifest values are written by analysts; pasted raw into a comment a `|` would break the
    /// table, `<img …>` or `[text](url)` would render, and a line starting with `#` would become a heading.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\n", "\r", "\t", "\r\n":
                out.append(" ")
            case "\\", "`", "*", "_", "[", "]", "#", "!", "|", "~", ">":
                out.append("\\")
                out.append(character)
            case "<": out += "&lt;"
            case "&": out += "&amp;"
            case "@": out += "&#64;"
            case _ where character.unicodeScalars.contains(where: \.isControlCharacter):
                out.append("\u{FFFD}")
            default: out.append(character)
            }
        }
        return out
    }
}
