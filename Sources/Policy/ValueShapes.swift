import ProductModel

/// Recognisers for values that identify a person or name a protected group.
///
/// They err towards flagging: a false alarm costs an analyst a second look, a miss publishes a
/// person's details.
enum ValueShapes {
    /// `name@domain.tld` with no spaces.
    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !text.contains(" ") else { return false }
        let domain = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return domain.count >= 2 && domain.allSatisfy { !$0.isEmpty }
    }

    /// A telephone number: 10 to 15 digits written with the usual separators, or a leading `+`.
    static func isPhoneNumber(_ text: String) -> Bool {
        var digits = 0
        var separators = 0
        for (offset, character) in text.enumerated() {
            if character.isASCII && character.isNumber { digits += 1 }
            else if character == "+" && offset == 0 { separators += 1 }
            else if " -().".contains(character) { separators += 1 }
            else { return false }
        }
        guard (10...15).contains(digits) else { return false }
        return separators > 0 || digits == 10
    }

    /// A payment or fare card number: 13 to 19 digits (spaces or dashes allowed) passing the Luhn check.
    static func isCardNumber(_ text: String) -> Bool {
        var digits: [Int] = []
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII { digits.append(digit) }
            else if character != " " && character != "-" { return false }
        }
        return (13...19).contains(digits.count) && passesLuhn(digits)
    }

    /// The Luhn (mod 10) checksum used by card numbers.
    static func passesLuhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            if offset % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }

    private static let streetSuffixes: Set<String> = [
        "st", "street", "ave", "avenue", "rd", "road", "blvd", "boulevard", "ln", "lane", "dr", "drive",
        "way", "ct", "court", "pl", "place", "ter", "terrace", "hwy", "highway", "pkwy", "parkway", "cir", "circle",
    ]

    /// A street address: a house number, then words ending in a street type (`12 Elm St`).
    static func isStreetAddress(_ text: String) -> Bool {
        let words = text.split(separator: " ")
        guard words.count >= 3, let first = words.first else { return false }
        let number = first.prefix { $0.isASCII && $0.isNumber }
        guard !number.isEmpty, first.count - number.count <= 1 else { return false }
        return words.dropFirst(2).contains { word in
            streetSuffixes.contains(word.lowercased().filter { $0 != "." && $0 != "," })
        }
    }

    /// A calendar date written `YYYY-MM-DD` or `MM/DD/YYYY`.
    static func date(_ text: String) -> CalendarDate? {
        if let date = CalendarDate(text) { return date }
        let parts = text.split(separator: "/")
        guard parts.count == 3, parts[2].count == 4, let month = Int(parts[0]), let day = Int(parts[1]),
              let year = Int(parts[2]) else { return nil }
        return CalendarDate("\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)")
    }

    /// Whether text parses as a value of the declared column type; empty text is a missing value.
    static func parses(_ text: String, as type: ColumnType) -> Bool {
        if text.isEmpty { return true }
        switch type {
        case .string: return true
        case .integer:
            let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
            return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
        case .number:
            guard let value = Double(text), value.isFinite else { return false }
            return text.allSatisfy { $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }
        case .boolean: return text == "true" || text == "false"
        case .date: return CalendarDate(text) != nil
        }
    }
}

extension String {
    /// The text without surrounding spaces and line breaks.
    var trimmed: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
