import Foundation
import RegistrySupport

/// What `registry audit verify` found: an intact trail, no trail at all, or a tampered one.
public enum AuditState: String, Sendable, Codable, Equatable {
    /// Every entry's hash and link check out and nothing known is missing.
    case intact
    /// There is no audit trail in this repository (never written, not fetched, or deleted).
    case absent
    /// An entry was edited, deleted, reordered or added outside the registry, or the trail was
    /// removed or rewound where this machine had seen it.
    case tampered
}

/// The outcome of checking the audit trail: a value, so `registry audit verify` can report every break.
public struct AuditVerification: Sendable, Codable, Equatable {
    /// Intact, absent or tampered.
    public var state: AuditState
    /// Whether the trail exists and every entry's hash and link are intact (`state == .intact`).
    public var intact: Bool
    /// Whether the command passes (exit 0): the trail is intact, or absent where nothing shows that
    /// a state-changing command ever ran.
    public var passed: Bool
    /// How many entries were checked.
    public var entryCount: Int
    /// One sentence per break found, in trail order (or why the trail is absent).
    public var problems: [String]
    /// Commits `registry register` made whose entry was missing (the process was killed before
    /// writing it) and that were recorded by this run.
    public var repaired: [String]

    enum CodingKeys: String, CodingKey {
        case state, intact, passed, problems, repaired
        case entryCount = "entry_count"
    }

    /// A verdict with the given problems: intact when there are none.
    public init(entryCount: Int, problems: [String], repaired: [String] = []) {
        self.init(state: problems.isEmpty ? .intact : .tampered, entryCount: entryCount, problems: problems,
                  repaired: repaired)
    }

    /// A verdict in a given state; it passes when intact unless `passed` says otherwise.
    public init(state: AuditState, entryCount: Int, problems: [String], repaired: [String] = [], passed: Bool? = nil) {
        self.state = state
        intact = state == .intact
        self.passed = passed ?? intact
        self.entryCount = entryCount
        self.problems = problems
        self.repaired = repaired
    }
}

/// How audit entries are hashed, chained and written as the message of one git commit each.
///
/// Each entry's hash is SHA-256 over its previous hash and its fields, one per line, so editing any
/// field, deleting or reordering entries breaks the chain. The sequence number and hash of the newest
/// entry seen on this machine are kept apart from the trail (a witness), which catches a trail that
/// was rewound or replaced since.
public enum AuditChain {
    /// The previous-hash of the first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// UTC timestamp with seconds, the form stored in entries.
    public static func timestamp(_ date: Date) -> String {
        // gmtime_r rather than a date formatter: the catalog formats thousands of these, and
        // creating a formatter each time dominated a 1,000-product build.
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }

    /// The hash of one entry given its fields and the hash before it.
    public static func hash(sequence: Int64, recordedAt: String, actor: String, command: String, detail: String,
                            commitID: String?, previousHash: String) -> String {
        let fields = [previousHash, String(sequence), recordedAt, actor, command, detail, commitID ?? ""]
        return SHA256Hex.of(fields.map(escaped).joined(separator: "\n") + "\n")
    }

    /// One field on one line: backslashes and newlines escaped.
    private static func escaped(_ field: String) -> String {
        field.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func unescaped(_ field: String) -> String {
        var result = ""
        var pendingBackslash = false
        for character in field {
            if pendingBackslash {
                result.append(character == "n" ? "\n" : character)
                pendingBackslash = false
            } else if character == "\\" {
                pendingBackslash = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// The fields of an entry in the order of its commit message.
    private static let messageKeys = ["Sequence", "Recorded-At", "Actor", "Command", "Detail", "Commit", "Previous-Hash", "Hash"]

    /// The commit message carrying an entry: a subject for `git log`, then one `Key: value` line per field.
    public static func message(for entry: AuditEntry) -> String {
        let values = [String(entry.sequence), entry.recordedAt, entry.actor, entry.command, entry.detail,
                      entry.commitID ?? "", entry.previousHash, entry.hash]
        let subject = "registry \(entry.command): \(entry.detail)".prefix { $0 != "\n" }
        return "\(subject)\n\n" + zip(messageKeys, values).map { "\($0): \(escaped($1))\n" }.joined()
    }

    /// The entry a commit message carries, or nil when it is not an entry the registry wrote.
    public static func entry(fromMessage message: String) -> AuditEntry? {
        var fields: [String: String] = [:]
        for line in message.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2) {
            guard let separator = line.range(of: ": ") else { continue }
            fields[String(line[..<separator.lowerBound])] = unescaped(String(line[separator.upperBound...]))
        }
        guard let sequence = fields["Sequence"].flatMap({ Int64($0) }), let recordedAt = fields["Recorded-At"],
              let actor = fields["Actor"], let command = fields["Command"], let detail = fields["Detail"],
              let commit = fields["Commit"], let previousHash = fields["Previous-Hash"], let hash = fields["Hash"]
        else { return nil }
        return AuditEntry(sequence: sequence, recordedAt: recordedAt, actor: actor, command: command, detail: detail,
                          commitID: commit.isEmpty ? nil : commit, previousHash: previousHash, hash: hash)
    }

    /// The entry that follows `previous` (or starts the trail), with its sequence and hash.
    public static func entry(after previous: AuditEntry?, actor: String, command: String, detail: String,
                             commitID: String?, at date: Date) -> AuditEntry {
        let sequence = (previous?.sequence ?? 0) + 1
        let previousHash = previous?.hash ?? genesisHash
        let recordedAt = timestamp(date)
        return AuditEntry(sequence: sequence, recordedAt: recordedAt, actor: actor, command: command, detail: detail,
                          commitID: commitID, previousHash: previousHash,
                          hash: hash(sequence: sequence, recordedAt: recordedAt, actor: actor, command: command,
                                     detail: detail, commitID: commitID, previousHash: previousHash))
    }

    /// Checks a trail read in order against the witness this machine kept (`"<sequence> <hash>"` of
    /// the newest entry it saw): the witnessed entry must still be in the trail, unchanged.
    public static func verify(_ entries: [AuditEntry], witness: String?) -> [String] {
        var problems: [String] = []
        var previous = genesisHash
        for (offset, entry) in entries.enumerated() {
            let expectedSequence = Int64(offset + 1)
            if entry.sequence != expectedSequence {
                problems.append("Audit entry \(entry.sequence) is where entry \(expectedSequence) should be: an entry was deleted or the log was reordered.")
            }
            if entry.previousHash != previous {
                problems.append("Audit entry \(entry.sequence) does not link to the entry before it: an entry before it was deleted, inserted or reordered.")
            }
            let recomputed = hash(sequence: entry.sequence, recordedAt: entry.recordedAt, actor: entry.actor,
                                  command: entry.command, detail: entry.detail, commitID: entry.commitID,
                                  previousHash: entry.previousHash)
            if recomputed != entry.hash {
                problems.append("Audit entry \(entry.sequence) (\(entry.command) by \(entry.actor)) was edited: its content no longer matches its hash.")
            }
            previous = entry.hash
        }
        if let witness, let sequence = witness.split(separator: " ").first.flatMap({ Int($0) }), sequence > 0 {
            let hash = witness.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            if sequence > entries.count {
                problems.append("This machine saw audit entry \(sequence) ('\(witness)'), but the trail now ends at entry \(entries.count): entries were deleted from the end or the trail was rewound.")
            } else if entries[sequence - 1].hash != hash {
                problems.append("Audit entry \(sequence) is not the one this machine saw ('\(witness)'): the trail was replaced.")
            }
        }
        return problems
    }
}
