import Foundation
import Glibc
import SandboxLaunch

/// The registry process a run's folders and cgroups belong to.
///
/// It is written into their names (`registry-sandbox-<pid>.<start>-…`), so it exists from the
/// moment they do: a registry killed at any point leaves nothing whose owner is unknown, and a
/// later registry can tell a dead run's leftovers from a live run's without any shared state.
public struct RunOwner: Sendable, Equatable {
    /// The owner's process id.
    public let pid: pid_t
    /// The owner's start time in clock ticks after boot (`/proc/PID/stat` field 22), so a process
    /// that reuses the pid later is not taken for the owner.
    public let startTime: UInt64

    /// This process.
    public static let current = RunOwner(pid: getpid(), startTime: startTime(of: getpid()) ?? 0)

    /// `<pid>.<start>`, the form used in names; product ids cannot contain a dot, so it cannot be mistaken for one.
    public var token: String { "\(pid).\(startTime)" }

    /// The owner named right after `prefix` in `name` (`registry-run-123.456-…`), or nil when there is none.
    public init?(name: String, prefix: String) {
        guard name.hasPrefix(prefix) else { return nil }
        let token = name.dropFirst(prefix.count).prefix { $0 != "-" }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let pid = pid_t(parts[0]), pid > 0, let start = UInt64(parts[1]) else { return nil }
        self.init(pid: pid, startTime: start)
    }

    init(pid: pid_t, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// Whether the owner still runs: its pid exists, started at the recorded time, and is not a zombie.
    public var isAlive: Bool {
        Self.startTime(of: pid) == startTime && RunProcesses.isRunning(pid)
    }

    /// A process's start time, read from the fields after the command name, which may hold spaces or parentheses.
    static func startTime(of pid: pid_t) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
