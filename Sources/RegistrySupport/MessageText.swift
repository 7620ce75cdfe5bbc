extension Unicode.Scalar {
    /// Whether this is a control character: C0 (U+0000–U+001F), DEL (U+007F) or C1 (U+0080–U+009F).
    ///
    /// Such characters carry no text; in names, messages or product output they can truncate a
    /// value (NUL), break XML, or drive a terminal (ESC starts a cursor or screen command).
    public var isControlCharacter: Bool {
        value < 0x20 || (0x7F...0x9F).contains(value)
    }

    /// The scalar as people and messages name it: `U+001B`.
    public var codePointName: String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

extension String {
    /// The most characters of a user's value that a message quotes.
    public static let quotedValueLimit = 80

    /// The text as a message quotes it: cut after `quotedValueLimit` characters with an ellipsis, so
    /// a runaway value (a whole file read as one scalar, a huge cell) cannot flood the terminal.
    public var shortenedForMessage: String {
        count > Self.quotedValueLimit ? prefix(Self.quotedValueLimit) + "…" : self
    }
}
