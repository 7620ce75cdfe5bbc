import Foundation
import RegistrySupport

/// The outcome of checking the audit log: a value, so `registry audit verify` can report every break.
public struct AuditVerification: Sendable, Codable, Equatable {
    /// Whether every entry's hash and link are intact and the head matches.
    public var intact: Bool
    /// How many entries were checked.
    public var entryCount: Int
    /// One sentence per break found, in log order.
    public var problems: [String]

    enum CodingKeys: String, CodingKey {
        case intact, problems
        case entryCount = "entry_count"
    }
}

/// How audit entries are hashed and chained.
///
/// Each entry's hash is SHA-256 over its previous hash and its fields, one per line, so editing any
/// field, deleting or reordering entries breaks the chain. The sequence number and hash of the newest
/// entry are also kept apart from the entries, which catches deleting entries from the end.
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
        let escaped = fields.map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n") }
        return SHA256Hex.of(escaped.joined(separator: "\n") + "\n")
    }

    /// Checks a log read in sequence order against the recorded head (`"<sequence> <hash>"`).
    public static func verify(_ entries: [AuditEntry], recordedHead: String?) -> AuditVerification {
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
        let head = entries.last.map { "\($0.sequence) \($0.hash)" }
        if head != recordedHead {
            if recordedHead == nil {
                problems.append("The audit log has entries but no recorded head: the head record was removed.")
            } else {
                problems.append("The newest audit entry does not match the recorded head '\(recordedHead ?? "")': entries were deleted from the end or added outside the registry.")
            }
        }
        return AuditVerification(intact: problems.isEmpty, entryCount: entries.count, problems: problems)
    }
}
