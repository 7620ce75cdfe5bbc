import Foundation
import Glibc
import SandboxLaunch

/// A per-run group under the cgroup v1 memory, pids and (where mounted) cpuacct hierarchies,
/// created and removed by the parent.
///
/// The launcher joins it (while still root) before dropping privileges, so every process of the
/// run is charged to it and can be found and killed through `cgroup.procs`.
struct RunCgroup: Sendable {
    let memory: URL
    let pids: URL
    /// CPU accounting for the whole tree, including processes killed before anyone waited for them.
    let cpuAccounting: URL?

    private static let memoryRoot = URL(fileURLWithPath: "/sys/fs/cgroup/memory", isDirectory: true)
    private static let pidsRoot = URL(fileURLWithPath: "/sys/fs/cgroup/pids", isDirectory: true)
    private static let cpuAccountingRoot = URL(fileURLWithPath: "/sys/fs/cgroup/cpuacct", isDirectory: true)

    /// Whether both v1 controllers are mounted and writable.
    static var hostSupportsV1: Bool {
        [memoryRoot, pidsRoot].allSatisfy {
            access($0.appendingPathComponent("cgroup.procs").path, W_OK) == 0
        }
    }

    /// Creates the groups below this process's own groups and applies the limits.
    static func create(name: String, memoryBytes: UInt64, processes: UInt64) throws(SandboxSetupFailure) -> RunCgroup {
        let planned = named(name)
        let memory = planned.memory
        let pids = planned.pids
        guard mkdir(memory.path, 0o755) == 0 else { throw SandboxSetupFailure("mkdir \(memory.path): \(LinuxSystem.lastError)") }
        guard mkdir(pids.path, 0o755) == 0 else {
            rmdir(memory.path)
            throw SandboxSetupFailure("mkdir \(pids.path): \(LinuxSystem.lastError)")
        }
        let cpu = planned.cpuAccounting.flatMap { mkdir($0.path, 0o755) == 0 ? $0 : nil }
        let group = RunCgroup(memory: memory, pids: pids, cpuAccounting: cpu)
        do {
            try LinuxSystem.writeKernelFile("\(memoryBytes)", to: memory.appendingPathComponent("memory.limit_in_bytes").path)
            // Swap accounting may be off; where it is on, swap must not extend the limit.
            try? LinuxSystem.writeKernelFile("\(memoryBytes)", to: memory.appendingPathComponent("memory.memsw.limit_in_bytes").path)
            try LinuxSystem.writeKernelFile("\(processes)", to: pids.appendingPathComponent("pids.max").path)
        } catch {
            group.remove()
            throw error
        }
        return group
    }

    /// The groups called `name` below this process's own groups, whether they exist or not.
    static func named(_ name: String) -> RunCgroup {
        RunCgroup(memory: ownGroup(controller: "memory", root: memoryRoot).appendingPathComponent(name, isDirectory: true),
                  pids: ownGroup(controller: "pids", root: pidsRoot).appendingPathComponent(name, isDirectory: true),
                  cpuAccounting: ownGroup(controller: "cpuacct", root: cpuAccountingRoot).appendingPathComponent(name, isDirectory: true))
    }

    /// The names of the groups below this process's own groups that start with `prefix` and that
    /// this process may change (only root's runs have groups, and only root may remove them).
    static func names(withPrefix prefix: String) -> Set<String> {
        let parents = [(memoryRoot, "memory"), (pidsRoot, "pids"), (cpuAccountingRoot, "cpuacct")]
            .map { ownGroup(controller: $0.1, root: $0.0) }
        return Set(parents.flatMap { parent in
            ((try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []).filter {
                $0.hasPrefix(prefix) && access(parent.appendingPathComponent($0).path, W_OK) == 0
            }
        })
    }

    /// The groups' folders, which the launcher joins.
    var folders: [String] {
        ([memory, pids] + [cpuAccounting].compactMap { $0 }).map(\.path)
    }

    /// The pids currently in the group.
    var members: Set<pid_t> { RunProcesses.members(ofGroups: folders) }

    /// Whether the kernel's OOM killer acted or an allocation hit the limit in this group.
    var memoryLimitHit: Bool {
        let control = (try? String(contentsOfFile: memory.appendingPathComponent("memory.oom_control").path, encoding: .utf8)) ?? ""
        let kills = control.split(separator: "\n").first { $0.hasPrefix("oom_kill ") }
            .flatMap { Int($0.dropFirst("oom_kill ".count)) } ?? 0
        return kills > 0 || counter(memory, "memory.failcnt") > 0
    }

    /// Whether a fork or clone was refused because the group was at its process limit.
    var processLimitHit: Bool {
        let events = (try? String(contentsOfFile: pids.appendingPathComponent("pids.events").path, encoding: .utf8)) ?? ""
        return events.split(separator: "\n").contains { $0.hasPrefix("max ") && $0 != "max 0" }
    }

    /// The group's peak memory use in bytes.
    var peakMemory: UInt64 { counter(memory, "memory.max_usage_in_bytes") }

    /// CPU time used by every process that was ever in the group, in seconds.
    var cpuSeconds: Double? {
        cpuAccounting.map { Double(counter($0, "cpuacct.usage")) / 1e9 }
    }

    /// Removes both groups; retried briefly because the kernel releases exiting tasks asynchronously.
    func remove() {
        for directory in [memory, pids] + [cpuAccounting].compactMap({ $0 }) {
            for _ in 0..<100 {
                if rmdir(directory.path) == 0 || errno != EBUSY { break }
                usleep(10_000)
            }
        }
    }

    private func counter(_ group: URL, _ file: String) -> UInt64 {
        let text = (try? String(contentsOfFile: group.appendingPathComponent(file).path, encoding: .utf8)) ?? ""
        return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    private static func ownGroup(controller: String, root: URL) -> URL {
        let lines = ((try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? "").split(separator: "\n")
        for line in lines {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[1].split(separator: ",").contains(Substring(controller)) else { continue }
            let candidate = root.appendingPathComponent(String(fields[2]), isDirectory: true)
            if access(candidate.path, W_OK) == 0 { return candidate }
        }
        return root
    }
}
