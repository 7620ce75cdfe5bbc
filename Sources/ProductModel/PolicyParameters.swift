import Foundation
import RegistrySupport

/// The board's policy parameters (`Reviews/board/policy.v<NNNN>`), governed like the keyring.
///
/// Every check result records `digest`, the SHA-256 of the statement bytes these came from, so a
/// result can always be traced to the exact parameters that produced it.
///
/// The statement is a `LineStatement` with keys in this order:
///
/// ```
/// format: analytics-registry/1
/// type: policy
/// version: 1
/// minimum-cell-size: 11
/// disparity-ratio-threshold: 0.8
/// disparity-difference-threshold: 0.1
/// minimum-group-size: 30
/// link-failure-days: 30                (optional; 30 when absent)
/// protected-attribute: race race,race_ethnicity,ethnicity | Black,White,Asian,Hispanic
/// identifier-column: email email,email_address
/// ```
///
/// `protected-attribute` repeats: the attribute's name, a space, the comma-separated column names
/// that mean it, then optionally ` | ` and comma-separated values that look like its group labels
/// (labels may contain spaces). `identifier-column` repeats: a kind, a space, comma-separated column
/// names. Column names are lowercase `snake_case`; matching normalises the product's columns to
/// that form first.
public struct PolicyParameters: Sendable, Hashable, Codable {
    /// Protected attributes, each with the column names and encodings that mean it.
    public var protectedAttributes: [ProtectedAttribute]
    /// Column-name patterns, by kind, that mark a column as a direct identifier.
    public var identifierColumns: [IdentifierPattern]
    /// Counts from 1 up to `minimumCellSize - 1` must be suppressed in aggregate outputs.
    public var minimumCellSize: Int
    /// Minimum ratio of selection rates (the four-fifths rule: 0.8).
    public var disparityRatioThreshold: Double
    /// Maximum allowed demographic parity or equalized-odds difference.
    public var disparityDifferenceThreshold: Double
    /// Groups smaller than this get no verdict.
    public var minimumGroupSize: Int
    /// How many days an evidence link may keep failing (`registry links`) before `check` warns.
    public var linkFailureDays: Int
    /// SHA-256 of the statement these parameters were read from.
    ///
    /// The built-in defaults carry the digest of the statement text they are parsed from, which is
    /// byte-for-byte the example `Reviews/board/policy.v0001`.
    public var digest: String

    /// All identifier column names, whatever their kind.
    public var identifierColumnNames: [String] { identifierColumns.flatMap(\.columnNames) }

    /// Builds parameters directly (tests, and the statement parser).
    public init(protectedAttributes: [ProtectedAttribute], identifierColumns: [IdentifierPattern],
                minimumCellSize: Int = 11, disparityRatioThreshold: Double = 0.8,
                disparityDifferenceThreshold: Double = 0.1, minimumGroupSize: Int = 30, digest: String = "") {
        self.protectedAttributes = protectedAttributes
        self.identifierColumns = identifierColumns
        self.minimumCellSize = minimumCellSize
        self.disparityRatioThreshold = disparityRatioThreshold
        self.disparityDifferenceThreshold = disparityDifferenceThreshold
        self.minimumGroupSize = minimumGroupSize
        self.linkFailureDays = Self.defaultLinkFailureDays
        self.digest = digest
    }

    /// The days an evidence link may fail before `check` warns, when the policy does not say.
    public static let defaultLinkFailureDays = 30

    /// Builds parameters whose identifier names are all of one unnamed kind.
    public init(protectedAttributes: [ProtectedAttribute], identifierColumnNames: [String],
                minimumCellSize: Int = 11, disparityRatioThreshold: Double = 0.8,
                disparityDifferenceThreshold: Double = 0.1, minimumGroupSize: Int = 30, digest: String = "") {
        self.init(protectedAttributes: protectedAttributes,
                  identifierColumns: [IdentifierPattern(kind: "identifier", columnNames: identifierColumnNames)],
                  minimumCellSize: minimumCellSize, disparityRatioThreshold: disparityRatioThreshold,
                  disparityDifferenceThreshold: disparityDifferenceThreshold,
                  minimumGroupSize: minimumGroupSize, digest: digest)
    }

    /// The protected attribute a column name means (by the attribute's name or a synonym), if any.
    public func protectedAttribute(forColumn column: String) -> ProtectedAttribute? {
        let normalised = PolicyParameters.normalisedColumnName(column)
        return protectedAttributes.first { $0.name == normalised || $0.synonyms.contains(normalised) }
    }

    /// The identifier kind a column name matches, if any.
    public func identifierKind(forColumn column: String) -> String? {
        let normalised = PolicyParameters.normalisedColumnName(column)
        return identifierColumns.first { $0.columnNames.contains(normalised) }?.kind
    }

    /// A column name in the vocabulary's form: lowercase, runs of other characters as one `_`,
    /// camelCase split (`RaceEthnicity` → `race_ethnicity`).
    public static func normalisedColumnName(_ name: String) -> String {
        var out = ""
        var previousWasLower = false
        var pendingSeparator = false
        for scalar in name.unicodeScalars {
            let isUpper = scalar.properties.isUppercase
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if (pendingSeparator || (isUpper && previousWasLower)) && !out.isEmpty { out += "_" }
                out += String(scalar).lowercased()
                pendingSeparator = false
                previousWasLower = scalar.properties.isLowercase || ("0"..."9").contains(scalar)
            } else {
                pendingSeparator = true
                previousWasLower = false
            }
        }
        return out
    }
}

/// One protected attribute and the names and values that reveal it.
public struct ProtectedAttribute: Sendable, Hashable, Codable {
    /// The canonical name (`race`).
    public var name: String
    /// Column names that mean it (`race_ethnicity`, `hispanic_latino`).
    public var synonyms: [String]
    /// Values that look like its group labels (`Black`, `Hispanic`, `Female`).
    public var groupLabels: [String]

    /// An attribute with the column names and group labels that reveal it.
    public init(name: String, synonyms: [String], groupLabels: [String] = []) {
        self.name = name; self.synonyms = synonyms; self.groupLabels = groupLabels
    }
}

/// Column names that mark a direct identifier of one kind (`email`, `date-of-birth`).
public struct IdentifierPattern: Sendable, Hashable, Codable {
    /// What the column identifies a person by.
    public var kind: String
    /// Column names, in normalised `snake_case`, that hold it.
    public var columnNames: [String]

    /// A kind of identifier and the column names that hold it.
    public init(kind: String, columnNames: [String]) {
        self.kind = kind; self.columnNames = columnNames
    }
}

/// Why a policy statement was rejected: one sentence with the file, line and what to change.
public struct PolicyStatementError: RegistryDiagnostic, Hashable {
    /// The statement file, as the user knows it.
    public let file: String
    /// One-based line, or `nil` for whole-file problems.
    public let line: Int?
    /// What is wrong and what to do, without the location.
    public let reason: String

    public var category: DiagnosticCategory { .invalidContent }

    public var message: String {
        if let line { return "'\(file)' line \(line): \(reason)." }
        return "'\(file)': \(reason)."
    }
}

extension PolicyParameters {
    /// The key order of a policy statement.
    public static let statementSchema = LineStatement.Schema([
        .init("format"), .init("type"), .init("version"),
        .init("minimum-cell-size"), .init("disparity-ratio-threshold"),
        .init("disparity-difference-threshold"), .init("minimum-group-size"),
        .init("link-failure-days", optional: true),
        .init("protected-attribute", repeats: true),
        .init("identifier-column", repeats: true),
    ])

    /// Parses a policy statement's exact bytes; `file` names it in errors and, when it is a
    /// `policy.v<NNNN>` name, must agree with the `version` key.
    public init(statement bytes: [UInt8], file: String) throws(PolicyStatementError) {
        let statement: LineStatement
        do {
            statement = try LineStatement(parsing: bytes, schema: PolicyParameters.statementSchema)
        } catch {
            throw PolicyStatementError(file: file, line: error.line, reason: error.reason + " (see the example in Reviews/board/policy.v0001)")
        }
        func line(of key: String, occurrence: Int = 0) -> Int? {
            var seen = 0
            for (index, field) in statement.fields.enumerated() where field.key == key {
                if seen == occurrence { return index + 1 }
                seen += 1
            }
            return nil
        }
        func fail(_ key: String, _ reason: String, occurrence: Int = 0) -> PolicyStatementError {
            PolicyStatementError(file: file, line: line(of: key, occurrence: occurrence), reason: reason)
        }
        func value(_ key: String) -> String { statement.value(key) ?? "" }

        guard value("format") == "analytics-registry/1" else {
            throw fail("format", "'format' is '\(value("format"))' but must be 'analytics-registry/1'")
        }
        guard value("type") == "policy" else {
            throw fail("type", "'type' is '\(value("type"))' but a policy statement must say 'policy'")
        }
        func integer(_ key: String, atLeast minimum: Int) throws(PolicyStatementError) -> Int {
            let text = value(key)
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  text == "0" || !text.hasPrefix("0"), let number = Int(text), number >= minimum else {
                throw fail(key, "'\(key)' is '\(text)' but must be a whole number of at least \(minimum) written without leading zeros")
            }
            return number
        }
        func fraction(_ key: String, _ range: ClosedRange<Double>) throws(PolicyStatementError) -> Double {
            let text = value(key)
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
                  let number = Double(text), range.contains(number) else {
                throw fail(key, "'\(key)' is '\(text)' but must be a decimal number like 0.8 between \(range.lowerBound) and \(range.upperBound)")
            }
            return number
        }
        let version = try integer("version", atLeast: 1)
        if let named = PolicyParameters.version(fromFileName: file), named != version {
            throw fail("version", "'version' is \(version) but the file name says version \(named); make them agree")
        }
        let cellSize = try integer("minimum-cell-size", atLeast: 2)
        let ratio = try fraction("disparity-ratio-threshold", 0.0...1.0)
        let difference = try fraction("disparity-difference-threshold", 0.0...1.0)
        let groupSize = try integer("minimum-group-size", atLeast: 1)
        let linkFailureDays = statement.value("link-failure-days") == nil
            ? Self.defaultLinkFailureDays : try integer("link-failure-days", atLeast: 1)

        var attributes: [ProtectedAttribute] = []
        var claimed: [String: String] = [:]
        for (occurrence, text) in statement.values("protected-attribute").enumerated() {
            let key = "protected-attribute"
            let (head, labelText) = PolicyParameters.split(text, on: " | ")
            let words = head.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard words.count == 2, PolicyParameters.isColumnName(words[0]) else {
                throw fail(key, "the 'protected-attribute' value '\(text)' must read 'name column,column | Label,Label' (a snake_case name, one space, comma-separated column names, then optionally ' | ' and group labels)", occurrence: occurrence)
            }
            if attributes.contains(where: { $0.name == words[0] }) {
                throw fail(key, "protected attribute '\(words[0])' is listed twice; put all its names on one line", occurrence: occurrence)
            }
            let synonyms = words[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            for name in [words[0]] + synonyms {
                guard PolicyParameters.isColumnName(name) else {
                    throw fail(key, "column name '\(name)' of attribute '\(words[0])' must be lowercase snake_case", occurrence: occurrence)
                }
                if let owner = claimed[name], owner != words[0] || name != words[0] {
                    throw fail(key, "column name '\(name)' is listed twice (already under '\(owner)'); list each name once", occurrence: occurrence)
                }
                claimed[name] = words[0]
            }
            var labels: [String] = []
            if let labelText {
                labels = labelText.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if let bad = labels.first(where: { $0.isEmpty || $0.hasPrefix(" ") || $0.hasSuffix(" ") }) {
                    throw fail(key, "group label '\(bad)' of attribute '\(words[0])' is empty or has surrounding spaces; separate labels with a comma alone", occurrence: occurrence)
                }
            }
            attributes.append(ProtectedAttribute(name: words[0], synonyms: synonyms, groupLabels: labels))
        }
        guard !attributes.isEmpty else {
            throw PolicyStatementError(file: file, line: nil, reason: "no 'protected-attribute' line is given; the policy needs its protected-attribute vocabulary")
        }

        var identifiers: [IdentifierPattern] = []
        for (occurrence, text) in statement.values("identifier-column").enumerated() {
            let words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            let names = words.count == 2 ? words[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : []
            guard words.count == 2, !words[0].isEmpty, names.allSatisfy(PolicyParameters.isColumnName) else {
                throw fail("identifier-column", "the 'identifier-column' value '\(text)' must read 'kind column,column' (a kind, one space, comma-separated snake_case column names)", occurrence: occurrence)
            }
            if identifiers.contains(where: { $0.kind == words[0] }) {
                throw fail("identifier-column", "identifier kind '\(words[0])' is listed twice; put all its column names on one line", occurrence: occurrence)
            }
            identifiers.append(IdentifierPattern(kind: words[0], columnNames: names))
        }

        self.init(protectedAttributes: attributes, identifierColumns: identifiers, minimumCellSize: cellSize,
                  disparityRatioThreshold: ratio, disparityDifferenceThreshold: difference,
                  minimumGroupSize: groupSize, digest: SHA256Hex.of(bytes))
        self.linkFailureDays = linkFailureDays
    }

    /// Reads and parses a policy statement file; `displayName` names it in errors.
    public static func load(from url: URL, displayName: String? = nil) throws(PolicyStatementError) -> PolicyParameters {
        let name = displayName ?? url.lastPathComponent
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PolicyStatementError(file: name, line: nil, reason: "the policy statement cannot be read (\(error.localizedDescription)); check the file exists")
        }
        return try PolicyParameters(statement: [UInt8](data), file: name)
    }

    /// The version number in a `policy.v<NNNN>` file name, if the name has that form.
    public static func version(fromFileName file: String) -> Int? {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        guard base.hasPrefix("policy.v") else { return nil }
        let digits = base.dropFirst("policy.v".count)
        guard digits.count == 4, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    /// The built-in parameters, used until the board commits a policy statement.
    public static let defaults: PolicyParameters = {
        do {
            return try PolicyParameters(statement: Array(defaultStatement.utf8), file: "built-in policy")
        } catch {
            preconditionFailure("the built-in policy statement is invalid: \(error)")
        }
    }()

    /// The text of the built-in policy, identical to the example `Reviews/board/policy.v0001`.
    public static let defaultStatement = """
        format: analytics-registry/1
        type: policy
        version: 1
        minimum-cell-size: 11
        disparity-ratio-threshold: 0.8
        disparity-difference-threshold: 0.1
        minimum-group-size: 30
        protected-attribute: race race,race_ethnicity,ethnicity,hispanic_latino,hispanic,latino,ethnic_group | Black,African American,White,Asian,Asian American,Hispanic,Latino,Latina,Latinx,Non-Hispanic,Native American,American Indian,Alaska Native,Pacific Islander,Native Hawaiian,Multiracial,Two or More Races
        protected-attribute: sex sex,gender | Female,Male,Woman,Man,Nonbinary,Non-binary,Intersex
        protected-attribute: gender_identity gender_identity,transgender,trans_status | Transgender,Cisgender,Trans woman,Trans man,Genderqueer
        protected-attribute: sexual_orientation sexual_orientation,orientation,lgbtq | Heterosexual,Straight,Gay,Lesbian,Bisexual,Queer,Asexual
        protected-attribute: religion religion,religious_affiliation,faith | Christian,Catholic,Protestant,Muslim,Jewish,Hindu,Buddhist,Sikh,Atheist,Agnostic
        protected-attribute: language language,primary_language,language_spoken,home_language,preferred_language,limited_english | English,Spanish,Chinese,Mandarin,Cantonese,Vietnamese,Tagalog,Korean,Arabic,Russian,Haitian Creole,Limited English Proficiency
        protected-attribute: disability disability,disability_status,disabled,mental_health,impairment | Disabled,Wheelchair user,Blind,Deaf,Mental illness,Cognitive impairment
        protected-attribute: age age,age_band,age_group,birth_year,year_of_birth | Under 18,18-24,25-34,35-44,45-54,55-64,65+,Senior,Youth,Minor
        protected-attribute: nationality nationality,national_origin,citizenship,country_of_birth,immigration_status | Citizen,Non-citizen,Immigrant,Refugee,Undocumented
        protected-attribute: income income,income_band,household_income,socioeconomic_status,poverty_status,reduced_fare | Low income,Below poverty line,Reduced fare,Medicaid
        identifier-column: person-name name,full_name,first_name,last_name,given_name,surname,family_name,middle_name,rider_name,passenger_name
        identifier-column: date-of-birth dob,date_of_birth,birth_date,birthdate
        identifier-column: email email,email_address,e_mail
        identifier-column: phone phone,phone_number,telephone,mobile,cell_phone
        identifier-column: card-number card_number,card_no,pan,credit_card,debit_card,fare_card_number
        identifier-column: street-address address,street_address,home_address,street,residence
        identifier-column: government-id ssn,social_security_number,driver_license,passport_number,license_plate

        """

    private static func isColumnName(_ text: String) -> Bool {
        guard let first = text.utf8.first, first >= 0x61, first <= 0x7A else { return false }
        return text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    private static func split(_ text: String, on separator: String) -> (String, String?) {
        guard let range = text.range(of: separator) else { return (text, nil) }
        return (String(text[..<range.lowerBound]), String(text[range.upperBound...]))
    }
}
