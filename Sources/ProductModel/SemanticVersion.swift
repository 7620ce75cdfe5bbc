/// A SemVer 2.0.0 version label, ordered by SemVer precedence (build metadata ignored).
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The numeric core: major, minor, patch.
    public let core: [Int]
    /// Pre-release identifiers (`rc.1` → `["rc", "1"]`); empty for a release.
    public let prerelease: [Substring]
    /// The label as written.
    public let description: String

    /// Parses SemVer 2.0.0: a numeric core without leading zeros, optional pre-release and build
    /// identifiers; nil for anything else.
    public init?(_ text: String) {
        let (withoutBuild, build) = Self.split(text, at: "+")
        let (core, prerelease) = Self.split(withoutBuild, at: "-")
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        func numeric(_ part: Substring) -> Bool {
            !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } && (part == "0" || part.first != "0")
        }
        func identifiers(_ text: Substring?, allowLeadingZero: Bool) -> Bool {
            guard let text else { return true }
            return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
                !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
                    && (allowLeadingZero || !part.allSatisfy(\.isNumber) || numeric(part))
            }
        }
        let values = numbers.compactMap { Int($0) }
        guard numbers.count == 3, numbers.allSatisfy(numeric), values.count == 3,
              identifiers(prerelease, allowLeadingZero: false), identifiers(build, allowLeadingZero: true) else { return nil }
        self.core = values
        self.prerelease = prerelease.map { $0.split(separator: ".", omittingEmptySubsequences: false) } ?? []
        description = text
    }

    private static func split(_ text: some StringProtocol, at separator: Character) -> (Substring, Substring?) {
        let whole = Substring(text)
        guard let index = whole.firstIndex(of: separator) else { return (whole, nil) }
        return (whole[..<index], whole[whole.index(after: index)...])
    }

    /// The smallest ordinary next label: the release of a pre-release, else the next patch.
    public var nextPatch: String {
        prerelease.isEmpty ? "\(core[0]).\(core[1]).\(core[2] + 1)" : "\(core[0]).\(core[1]).\(core[2])"
    }

    public static func == (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        lhs.core == rhs.core && lhs.prerelease == rhs.prerelease
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(core)
        hasher.combine(prerelease)
    }

    /// SemVer section 11: cores numerically; a pre-release sorts before its release; pre-release
    /// identifiers compare numerically when both are numbers, else in ASCII order, numbers first.
    public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        if lhs.core != rhs.core { return lhs.core.lexicographicallyPrecedes(rhs.core) }
        switch (lhs.prerelease.isEmpty, rhs.prerelease.isEmpty) {
        case (true, _): return false
        case (false, true): return true
        default: break
        }
        for (left, right) in zip(lhs.prerelease, rhs.prerelease) where left != right {
            switch (Int(left), Int(right)) {
            case let (l?, r?): return l < r
            case (.some, nil): return true
            case (nil, .some): return false
            default: return left < right
            }
        }
        return lhs.prerelease.count < rhs.prerelease.count
    }
}
