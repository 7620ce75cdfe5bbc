import Glibc

/// Finding and killing a run's processes on the host: the part the launcher needs too, written
/// without Foundation so the launcher executable stays small and starts fast.
package enum RunProcesses {
    /// Host pids whose real, effective, saved or filesystem uid is `uid`, zombies included.
    package static func owned(by uid: UInt32) -> [pid_t] {
        LinuxSystem.processIDs().filter { LinuxSystem.uids(of: $0)?.contains(uid) ?? false }
    }

    /// `killAll` for callers that cannot wait asynchronously (the launcher, leftover removal):
    /// kills what `find` returns until it finds nothing alive, and returns how many were left.
    package static func killUntilGone(_ find: () -> [pid_t]) -> Int {
        var remaining: [pid_t] = []
        for _ in 0..<killRounds {
            remaining = killLive(find())
            if remaining.isEmpty { return 0 }
            usleep(UInt32(killPause.components.attoseconds / 1_000_000_000_000))
        }
        return remaining.count
    }

    /// Rounds of killing, `killPause` apart, before processes are reported as left over (about two seconds).
    package static let killRounds = 200
    package static let killPause = Duration.milliseconds(10)

    /// Sends SIGKILL to the live processes among `pids` and returns them.
    package static func killLive(_ pids: [pid_t]) -> [pid_t] {
        let live = Set(pids).filter(isRunning)
        live.forEach { kill($0, SIGKILL) }
        return Array(live)
    }

    /// Every process below `root` in the host's process tree, found by following parent pids.
    package static func descendants(of root: pid_t) -> Set<pid_t> {
        var children: [pid_t: [pid_t]] = [:]
        for pid in LinuxSystem.processIDs() {
            let stat = LinuxSystem.text(of: "/proc/\(pid)/stat")
            guard let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let parent = pid_t(fields[1]) else { continue }
            children[parent, default: []].append(pid)
        }
        var found = Set<pid_t>()
        var queue = [root]
        while let next = queue.popLast() {
            for child in children[next] ?? [] where found.insert(child).inserted {
                queue.append(child)
            }
        }
        return found
    }

    /// The pids in the cgroups at `folders`, as their `cgroup.procs` files list them; a missing group has none.
    package static func members(ofGroups folders: [String]) -> Set<pid_t> {
        Set(folders.flatMap { LinuxSystem.text(of: $0 + "/cgroup.procs").split(separator: "\n").compactMap { pid_t($0) } })
    }

    /// Whether a pid exists and is not a zombie; zombies are dead and only wait for their parent to reap them.
    package static func isRunning(_ pid: pid_t) -> Bool {
        let status = LinuxSystem.text(of: "/proc/\(pid)/stat")
        guard let close = status.lastIndex(of: ")") else { return false }
        return !status[close...].hasPrefix(") Z")
    }
}
