import Foundation

/// The solver attack of `Tests/Attack/allegations_attack.py`, run with the Python of the virtual
/// environment `Scripts/test.sh` keeps under `.build/` (scipy, whose `milp` is HiGHS).
public enum SuppressionAttacker {
    static let python = packageRoot.appendingPathComponent(".build/attack-venv/bin/python").path
    static let script = packageRoot.appendingPathComponent("Tests/Attack/allegations_attack.py").path

    /// Whether the tests that need it run: when it is installed, and always in CI (`CI` set), where
    /// a missing environment fails them instead of skipping them.
    public static var required: Bool {
        FileManager.default.isExecutableFile(atPath: python) || !["", "false", "0"].contains(ProcessInfo.processInfo.environment["CI"] ?? "")
    }

    /// Why the tests are skipped when they are.
    public static let skipReason = "scipy is not in .build/attack-venv and CI is not set: run Scripts/test.sh once to install it"

    /// What the attacker learnt about the suppressed counts whose true value is 1 to k-1.
    public struct Outcome: Decodable, CustomStringConvertible {
        public struct Pinned: Decodable {
            public let `where`: String
            public let value: Int
        }
        public let suppressed: Int
        public let small_suppressed: Int
        public let solves: Int
        public let pinned: [Pinned]
        public let smallest_width: Int?

        public var description: String {
            "\(suppressed) suppressed, \(small_suppressed) of them small, \(solves) MILP solves, smallest interval width "
                + "\(smallest_width.map(String.init) ?? "none"), pinned: \(pinned.map { "\($0.where) = \($0.value)" })"
        }
    }

    /// Attacks a built site; `truth` is the allegations file it was built from (read only to judge).
    public static func attack(_ site: URL, truth: URL, weaken: Bool = false) throws -> Outcome {
        let result = try runProcess(python, [script, site.path, "--truth", truth.path] + (weaken ? ["--weaken", "primary-only"] : []))
        guard result.status == 0 else { throw FixtureError("the attack failed: \(result.stderr)") }
        return try JSONDecoder().decode(Outcome.self, from: Data(result.stdout.utf8))
    }
}
