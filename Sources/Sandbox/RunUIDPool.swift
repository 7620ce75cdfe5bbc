import Foundation
import SandboxLaunch

/// The per-run uids one registry process hands out.
///
/// Which uids of the range are in use is read from `/proc` once, at the first run: reading every
/// process's status again for each run was the largest part of a check's own work on a busy
/// machine (one `/proc/PID/status` per process, twice per product). Processes started later with
/// a uid of the range are runs of this registry, whose uids the pool never hands out twice, or runs
/// of another registry, which pick theirs at random from the same 100 million: the same small
/// chance of meeting as a scan done just before each run leaves between the scan and the launch.
final class RunUIDPool: @unchecked Sendable {
    /// The uids runs get: far above any system's or container runtime's ranges.
    static let range: Range<UInt32> = 1_900_000_000..<2_000_000_000

    static let shared = RunUIDPool()

    private let lock = NSLock()
    private var scanned = false
    private var taken = Set<UInt32>()

    /// A uid of `range` that no process had at the first call and no earlier call returned.
    func allocate() -> UInt32 {
        lock.lock()
        defer { lock.unlock() }
        if !scanned {
            taken = Self.inUse()
            scanned = true
        }
        while true {
            let id = UInt32.random(in: Self.range)
            if taken.insert(id).inserted { return id }
        }
    }

    /// The uids of `range` any process has now, as real, effective, saved or filesystem uid.
    private static func inUse() -> Set<UInt32> {
        var found = Set<UInt32>()
        for pid in LinuxSystem.processIDs() {
            for uid in LinuxSystem.uids(of: pid) ?? [] where range.contains(uid) { found.insert(uid) }
        }
        return found
    }
}
