import Foundation
import Glibc

/// The host side of one run: private copies of the product and inputs, the output folder, the
/// identity the product runs as, and the cgroup; all removed afterwards.
struct RunStage: Sendable {
    let root: URL
    let product: URL
    let input: URL
    let output: OutputFolder
    let identity: LaunchPlan.Identity?
    let cgroup: RunCgroup?

    /// Copies the product and inputs to a folder only the run's uid can read, and creates `/output`.
    ///
    /// Copies rather than bind mounts of the caller's folders because those usually sit below
    /// private (0700) temporary folders that bubblewrap, running as the run's uid, cannot traverse.
    /// The copies belong to root and the run's group, so other local users (who can read the
    /// launcher's command line, and so the folder's name) still cannot read the inputs.
    static func prepare(_ profile: SandboxProfile, host: SandboxCapabilities) throws(SandboxError) -> RunStage {
        let name = "registry-sandbox-\(UUID().uuidString.lowercased())"
        let root = profile.workRoot.appendingPathComponent(name, isDirectory: true)
        let identity = host.runningAsRoot ? allocateIdentity() : nil
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(at: root, withIntermediateDirectories: false,
                                            attributes: [.posixPermissions: 0o700])
        } catch {
            throw .staging(path: root.path, detail: error.localizedDescription)
        }
        let product = root.appendingPathComponent("product", isDirectory: true)
        let input = root.appendingPathComponent("input", isDirectory: true)
        let output = root.appendingPathComponent("output", isDirectory: true)
        var cgroup: RunCgroup?
        do {
            try fileManager.copyItem(at: profile.productDirectory, to: product)
            try fileManager.copyItem(at: profile.inputDirectory, to: input)
            try restrict(root, to: identity, recursive: false)
            try restrict(product, to: identity, recursive: true)
            try restrict(input, to: identity, recursive: true)
            try fileManager.createDirectory(at: output, withIntermediateDirectories: false,
                                            attributes: [.posixPermissions: 0o700])
            if let identity, chown(output.path, identity.uid, identity.gid) != 0 {
                throw SandboxSetupFailure("chown \(output.path): \(LinuxSystem.lastError)")
            }
            try fileManager.createDirectory(at: profile.collectionDirectory, withIntermediateDirectories: true)
            if host.cgroupBackend == .cgroupV1 {
                // A host that refuses the group still gets every rlimit; the run records `.none`.
                cgroup = try? RunCgroup.create(name: name, memoryBytes: profile.memoryLimitBytes,
                                               processes: profile.limits.processes + Self.bubblewrapProcesses)
            }
        } catch let failure as SandboxSetupFailure {
            try? fileManager.removeItem(at: root)
            throw .staging(path: root.path, detail: failure.detail)
        } catch {
            try? fileManager.removeItem(at: root)
            throw .staging(path: root.path, detail: error.localizedDescription)
        }
        return RunStage(root: root, product: product, input: input, output: OutputFolder(url: output),
                        identity: identity, cgroup: cgroup)
    }

    /// bubblewrap's own processes (the outer monitor and the namespace's init) count against limits too.
    static let bubblewrapProcesses: UInt64 = 3

    /// Removes the cgroup and every file of the run except the collected outputs.
    func remove() {
        cgroup?.remove()
        try? FileManager.default.removeItem(at: root)
    }

    /// Picks a uid no process uses, so every process of this run (and only those) can be found by uid.
    private static func allocateIdentity() -> LaunchPlan.Identity {
        var id: UInt32
        repeat {
            id = UInt32.random(in: 1_900_000_000..<2_000_000_000)
        } while !RunProcesses.owned(by: id).isEmpty
        return LaunchPlan.Identity(uid: id, gid: id)
    }

    /// Gives the run read access and nobody else: root-owned with the run's group when the
    /// product runs as its own uid, otherwise private to the current user.
    private static func restrict(_ url: URL, to identity: LaunchPlan.Identity?, recursive: Bool) throws {
        var paths = [url.path]
        if recursive, let enumerator = FileManager.default.enumerator(atPath: url.path) {
            for case let relative as String in enumerator {
                paths.append(url.appendingPathComponent(relative).path)
            }
        }
        for path in paths {
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFLNK else { continue }
            let isDirectory = info.st_mode & S_IFMT == S_IFDIR
            let executable = isDirectory || info.st_mode & 0o111 != 0
            let mode: mode_t
            if let identity {
                guard chown(path, 0, identity.gid) == 0 else {
                    throw SandboxSetupFailure("chown \(path): \(LinuxSystem.lastError)")
                }
                // The stage root only needs to be traversed, not listed.
                mode = path == url.path && !recursive ? 0o710 : (executable ? 0o750 : 0o640)
            } else {
                mode = executable ? 0o700 : 0o600
            }
            guard chmod(path, mode) == 0 else {
                throw SandboxSetupFailure("chmod \(path): \(LinuxSystem.lastError)")
            }
        }
    }
}

/// Finding and killing a run's processes on the host.
enum RunProcesses {
    /// Host pids whose real, effective, saved or filesystem uid is `uid`, zombies included.
    static func owned(by uid: UInt32) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                  let status = try? String(contentsOfFile: "/proc/\(entry)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else { return nil }
            let ids = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().compactMap { UInt32($0) }
            return ids.contains(uid) ? pid : nil
        }
    }

    /// Kills everything the run started and returns how many processes were still found afterwards.
    ///
    /// `launcher` is the unreaped launcher (now bubblewrap), whose pid and process group cannot
    /// have been reused; pass nil once it has been reaped.
    static func killAll(launcher: pid_t?, stage: RunStage) async -> Int {
        // Without root there is no run uid or cgroup to find processes by. The product's processes
        // are exactly those in the sandbox's own pid namespace (orphans included), which is found
        // from the launcher's descendants before anything is killed; matching by namespace, not by
        // pid, means a pid reused by an unrelated process is never touched.
        var namespaces = Set<String>()
        if let launcher {
            let own = pidNamespace(of: getpid())
            namespaces = Set(descendants(of: launcher).compactMap(pidNamespace(of:)).filter { $0 != own })
            kill(launcher, SIGKILL)
            kill(-launcher, SIGKILL)
        }
        var remaining: [pid_t] = []
        for _ in 0..<200 {
            remaining = survivors(stage) + (namespaces.isEmpty ? [] : inNamespaces(namespaces))
            if remaining.isEmpty { return 0 }
            remaining.forEach { kill($0, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return remaining.count
    }

    /// The pid namespace a process lives in (`pid:[4026532…]`), if it can be read.
    static func pidNamespace(of pid: pid_t) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/pid")
    }

    /// Live processes whose pid namespace is one of `namespaces`.
    private static func inNamespaces(_ namespaces: Set<String>) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), let namespace = pidNamespace(of: pid), namespaces.contains(namespace) else { return nil }
            return isRunning(pid) ? pid : nil
        }
    }

    /// Every process below `root` in the host's process tree, found by following parent pids.
    static func descendants(of root: pid_t) -> Set<pid_t> {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var children: [pid_t: [pid_t]] = [:]
        for entry in entries {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
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

    private static func survivors(_ stage: RunStage) -> [pid_t] {
        var pids = Set(stage.cgroup?.members ?? [])
        if let identity = stage.identity {
            pids.formUnion(owned(by: identity.uid))
        }
        return pids.filter(isRunning)
    }

    /// Whether a pid exists and is not a zombie; zombies are dead and only wait for their parent to reap them.
    static func isRunning(_ pid: pid_t) -> Bool {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = status.lastIndex(of: ")") else { return false }
        return !status[close...].hasPrefix(") Z")
    }
}
