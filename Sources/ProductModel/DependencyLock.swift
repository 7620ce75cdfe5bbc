import Foundation
import RegistrySupport

/// A product's fully pinned, hash-locked dependencies: `requirements.lock` (Python, in the format
/// `pip install --require-hashes` accepts) or `renv.lock` (R).
///
/// The lock is an ordinary file of the product folder, so the content digest, and with it every
/// approval, already binds it. Parsing is strict: anything that would let the installed code differ
/// from what the lock names (an unpinned version, a missing hash, a URL, a path, an option that
/// changes the index) is refused with the file and line.
public struct DependencyLock: Sendable, Equatable {
    /// The language whose packages the lock pins.
    public enum Language: String, Sendable, Codable, Equatable {
        /// `requirements.lock`.
        case python
        /// `renv.lock`.
        case r
    }

    /// One pinned distribution.
    public struct Requirement: Sendable, Equatable, Codable {
        /// The distribution name as written.
        public var name: String
        /// The exact version.
        public var version: String
        /// The accepted archive digests (`sha256:<hex>` for Python, the renv hash for R).
        public var hashes: [String]
    }

    /// The Python lock's file name in a product folder.
    public static let pythonFileName = "requirements.lock"
    /// The R lock's file name in a product folder.
    public static let rFileName = "renv.lock"

    /// Which language the lock is for.
    public var language: Language
    /// The lock's file name in the product folder.
    public var fileName: String { language == .python ? Self.pythonFileName : Self.rFileName }
    /// Every pinned distribution, in file order.
    public var requirements: [Requirement]
    /// The R version an `renv.lock` names; `nil` for Python.
    public var rVersion: String?

    /// Parses the lock named `fileName` (one of the two lock names); `displayPath` goes into messages.
    public static func parse(_ data: Data, fileName: String, displayPath: String) throws(DependencyLockError) -> DependencyLock {
        if fileName == rFileName { return try parseRenv(data, file: displayPath) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DependencyLockError(file: displayPath, line: nil, reason: "it is not UTF-8 text; write it with 'pip download' hashes as plain text")
        }
        return try parseRequirements(text, file: displayPath)
    }

    /// Parses a `requirements.lock`: every requirement `name==version --hash=sha256:<64 hex>…`.
    static func parseRequirements(_ text: String, file: String) throws(DependencyLockError) -> DependencyLock {
        var requirements: [Requirement] = []
        var seen: [String: Int] = [:]
        for (line, statement) in logicalLines(text) {
            func refuse(_ reason: String) -> DependencyLockError { DependencyLockError(file: file, line: line, reason: reason) }
            var words = statement.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = words.first else { continue }
            if first.hasPrefix("-") {
                throw refuse("the option '\(first)' is not allowed in a lock (the registry sets the package index, and editable or nested requirements are not pinned); list each distribution as 'name==version --hash=sha256:…'")
            }
            words.removeFirst()
            if statement.contains("://") || first.contains("@") || words.first == "@" || first.hasPrefix(".") || first.hasPrefix("/") || first.hasSuffix(".whl") || first.hasSuffix(".tar.gz") {
                throw refuse("'\(statement.split(separator: " ").prefix(3).joined(separator: " "))' is a URL or path, not a pinned version; use 'name==version --hash=sha256:…' from the package index")
            }
            if statement.contains(";") {
                throw refuse("'\(statement)' carries an environment marker; a lock is resolved for one interpreter and platform, so remove the marker and the lines that do not apply")
            }
            let parts = first.components(separatedBy: "==")
            guard parts.count == 2, !parts[1].isEmpty, !parts[1].contains("*"), !parts[1].hasPrefix("=") else {
                throw refuse("'\(first)' is not pinned to one version; write it as 'name==version' with every hash")
            }
            let name = parts[0]
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-[],".unicodeScalars.contains($0) }),
                  !name.contains("<"), !name.contains(">"), !name.contains("~"), !name.contains("!") else {
                throw refuse("'\(first)' is not pinned to one version; write it as 'name==version' with every hash")
            }
            var hashes: [String] = []
            for word in words {
                guard word.hasPrefix("--hash=") else {
                    throw refuse("'\(word)' is not allowed after '\(first)'; only '--hash=sha256:…' options may follow a requirement")
                }
                let value = String(word.dropFirst("--hash=".count))
                // A salt has the same shape as a SHA-256 digest: 64 lowercase hex digits.
                guard value.hasPrefix("sha256:"), WithheldCommitment.isSalt(String(value.dropFirst(7))) else {
                    throw refuse("the hash '\(value)' of '\(first)' is not 'sha256:' and 64 lowercase hex digits; copy it from 'pip hash' or 'pip download'")
                }
                hashes.append(value)
            }
            guard !hashes.isEmpty else {
                throw refuse("'\(first)' has no hash; add '--hash=sha256:…' for each archive ('pip hash FILE' prints it) so pip can refuse anything else")
            }
            let key = normalizedName(name)
            if let earlier = seen[key] {
                throw refuse("'\(name)' is already pinned on line \(earlier); keep one line per distribution")
            }
            seen[key] = line
            requirements.append(Requirement(name: name, version: parts[1], hashes: hashes))
        }
        guard !requirements.isEmpty else {
            throw DependencyLockError(file: file, line: nil, reason: "it pins no distribution; list each one as 'name==version --hash=sha256:…', or delete the file to use the system interpreter")
        }
        return DependencyLock(language: .python, requirements: requirements, rVersion: nil)
    }

    /// Joins backslash continuations and drops comments, keeping the line each statement starts on.
    private static func logicalLines(_ text: String) -> [(Int, String)] {
        var result: [(Int, String)] = []
        var pending = ""
        var start = 0
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            if pending.isEmpty { start = offset + 1 }
            // pip treats '#' as a comment only at the line start or after whitespace.
            if line.hasPrefix("#") { line = "" } else if let hash = line.range(of: " #") ?? line.range(of: "\t#") { line = String(line[..<hash.lowerBound]) }
            let continued = line.hasSuffix("\\")
            if continued { line.removeLast() }
            pending += " " + line
            if !continued {
                let statement = pending.trimmingCharacters(in: .whitespaces)
                if !statement.isEmpty { result.append((start, statement)) }
                pending = ""
            }
        }
        let rest = pending.trimmingCharacters(in: .whitespaces)
        if !rest.isEmpty { result.append((start, rest)) }
        return result
    }

    /// PEP 503 normalisation, so `Python_Dateutil` and `python-dateutil` are one distribution.
    public static func normalizedName(_ name: String) -> String {
        let base = name.split(separator: "[").first.map(String.init) ?? name
        return base.lowercased().replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: ".", with: "-")
    }

    /// Parses an `renv.lock`: R's version, and every package with a `Version` and a `Hash`.
    static func parseRenv(_ data: Data, file: String) throws(DependencyLockError) -> DependencyLock {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DependencyLockError(file: file, line: nil, reason: "it is not a JSON object; write it with renv::snapshot()")
        }
        guard let r = object["R"] as? [String: Any], let version = r["Version"] as? String, !version.isEmpty else {
            throw DependencyLockError(file: file, line: nil, reason: "the key 'R.Version' is missing; write the lock with renv::snapshot()")
        }
        guard let packages = object["Packages"] as? [String: Any] else {
            throw DependencyLockError(file: file, line: nil, reason: "the key 'Packages' is missing; write the lock with renv::snapshot()")
        }
        var requirements: [Requirement] = []
        for name in packages.keys.sorted() {
            guard let package = packages[name] as? [String: Any] else {
                throw DependencyLockError(file: file, line: nil, reason: "the package 'Packages.\(name)' is not an object")
            }
            guard let packageVersion = package["Version"] as? String, !packageVersion.isEmpty else {
                throw DependencyLockError(file: file, line: nil, reason: "the package 'Packages.\(name)' has no 'Version'; pin every package")
            }
            guard let hash = package["Hash"] as? String, hash.count == 32, hash.allSatisfy(\.isHexDigit) else {
                throw DependencyLockError(file: file, line: nil, reason: "the package 'Packages.\(name)' has no 32-digit 'Hash'; write the lock with renv::snapshot() so every package is hashed")
            }
            if let source = package["Source"] as? String, source != "Repository" {
                throw DependencyLockError(file: file, line: nil, reason: "the package 'Packages.\(name)' comes from '\(source)', not a package repository; install it from the configured repository")
            }
            requirements.append(Requirement(name: name, version: packageVersion, hashes: [hash]))
        }
        return DependencyLock(language: .r, requirements: requirements, rVersion: version)
    }
}

/// Why a lock file was refused: one sentence naming the file and line.
public struct DependencyLockError: RegistryDiagnostic, Equatable {
    /// The lock file, relative to the repository root.
    public var file: String
    /// The one-based line the refused requirement starts on, when the format has lines.
    public var line: Int?
    /// What is wrong and what to do, as the end of the sentence.
    public var reason: String

    /// The sentence shown to the user.
    public var message: String {
        "\(SourceLocation(file: file, line: line)): \(reason)."
    }

    /// A lock is product content: exit status 1.
    public var category: DiagnosticCategory { .invalidContent }
}
