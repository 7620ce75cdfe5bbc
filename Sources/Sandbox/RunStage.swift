import Foundation
import Glibc
import SandboxLaunch

/// The host side of one run: private copies of the product and inputs, the output folder, the
/// identity the product runs as, and the cgroup; all removed afterwards.
struct RunStage: Sendable {
    let root: URL
    let product: URL
    let input: URL
    let output: OutputFolder
    let identity: LaunchPlan.Identity?
    let cgroup: RunCgroup?
    /// With a per-run uid, the product environment bound at an empty folder of the stage by the
    /// launcher, so bubblewrap finds it at a path the run's uid can traverse wherever the
    /// environment itself lives; without one, the run's uid is the environment's owner.
    let environmentBind: LaunchPlan.PrivateBind?

    /// Stages the product and inputs in a folder only the run's uid can read, and creates `/output`.
    ///
    /// Staged rather than bind mounts of the caller's folders because those usually sit below
    /// private (0700) temporary folders that bubblewrap, running as the run's uid, cannot traverse.
    /// The staged files belong to root and the run's group, so other local users (who can read the
    /// launcher's command line, and so the folder's name) still cannot read the inputs.
    static func prepare(_ profile: SandboxProfile, host: SandboxCapabilities) throws(SandboxError) -> RunStage {
        // The owner in the name lets a later registry remove the folder and cgroup if this one dies.
        let name = prefix + RunOwner.current.token + "-" + UUID().uuidString.lowercased()
        let root = profile.workRoot.appendingPathComponent(name, isDirectory: true)
        let identity = host.runningAsRoot ? allocateIdentity() : nil
        if identity != nil, let closed = firstClosedFolder(above: profile.workRoot) {
            throw .workRootClosed(workRoot: profile.workRoot.path, folder: closed)
        }
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
        let environmentBind = identity == nil ? nil : profile.environmentDirectory.map {
            LaunchPlan.PrivateBind(source: $0.path, target: root.appendingPathComponent("env", isDirectory: true).path)
        }
        do {
            try restrict(root.path, to: identity, isStageRoot: true)
            try stage(profile.productDirectory, at: product, for: identity)
            try stage(profile.inputDirectory, at: input, for: identity)
            try fileManager.createDirectory(at: output, withIntermediateDirectories: false,
                                            attributes: [.posixPermissions: 0o700])
            if let identity, chown(output.path, identity.uid, identity.gid) != 0 {
                throw SandboxSetupFailure("chown \(output.path): \(LinuxSystem.lastError)")
            }
            if let environmentBind {
                try fileManager.createDirectory(atPath: environmentBind.target, withIntermediateDirectories: false)
                try restrict(environmentBind.target, to: identity, isStageRoot: false)
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
                        identity: identity, cgroup: cgroup, environmentBind: environmentBind)
    }

    /// How every staging folder's and run cgroup's name starts.
    static let prefix = "registry-sandbox-"

    /// bubblewrap's own processes (the outer monitor and the namespace's init) count against limits too.
    static let bubblewrapProcesses: UInt64 = 3

    /// Removes the cgroup and every file of the run except the collected outputs.
    func remove() {
        cgroup?.remove()
        RunLeftovers.removeTree(root)
    }

    /// The first folder from `workRoot` up that other users cannot enter, if any: bubblewrap runs
    /// as the run's uid and must reach the staging folder through all of them.
    private static func firstClosedFolder(above workRoot: URL) -> String? {
        var folder = workRoot.standardizedFileURL.resolvingSymlinksInPath()
        while true {
            var info = stat()
            if stat(folder.path, &info) == 0, info.st_mode & 0o001 == 0 { return folder.path }
            if folder.path == "/" { return nil }
            folder.deleteLastPathComponent()
        }
    }

    /// Picks a uid no process used when this registry first looked and that no earlier run of this
    /// registry had, so every process of this run (and only those) can be found by uid.
    private static func allocateIdentity() -> LaunchPlan.Identity {
        let id = RunUIDPool.shared.allocate()
        return LaunchPlan.Identity(uid: id, gid: id)
    }

    /// Recreates `source` at `destination`, readable by the run and nobody else.
    ///
    /// With a per-run uid each regular file is hard-linked, not copied: `restrict` makes it
    /// root-owned and read-only for the run's group, so the product can neither write it nor change
    /// its mode, and the caller's copy, which is the same file, takes that owner and mode too.
    /// Without a per-run uid the product runs as the files' owner, so it gets copies, which a write
    /// could only change for this run. A copy is also made when the staging folder is on another
    /// file system than the source.
    private static func stage(_ source: URL, at destination: URL, for identity: LaunchPlan.Identity?) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: destination, withIntermediateDirectories: false)
        try restrict(destination.path, to: identity, isStageRoot: false)
        guard let enumerator = fileManager.enumerator(atPath: source.path) else {
            throw SandboxSetupFailure("\(source.path) cannot be read")
        }
        for case let relative as String in enumerator {
            let from = source.path + "/" + relative
            let to = destination.path + "/" + relative
            var info = stat()
            guard lstat(from, &info) == 0 else { throw SandboxSetupFailure("lstat \(from): \(LinuxSystem.lastError)") }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard mkdir(to, 0o700) == 0 else { throw SandboxSetupFailure("mkdir \(to): \(LinuxSystem.lastError)") }
            case S_IFREG where identity != nil:
                if link(from, to) != 0 {
                    guard errno == EXDEV else { throw SandboxSetupFailure("link \(to): \(LinuxSystem.lastError)") }
                    try fileManager.copyItem(atPath: from, toPath: to)
                }
            default:
                try fileManager.copyItem(atPath: from, toPath: to)
            }
            try restrict(to, to: identity, isStageRoot: false)
        }
    }

    /// Gives the run read access and nobody else: root-owned with the run's group when the
    /// product runs as its own uid, otherwise private to the current user. Links are left alone.
    private static func restrict(_ path: String, to identity: LaunchPlan.Identity?, isStageRoot: Bool) throws {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFLNK else { return }
        let isDirectory = info.st_mode & S_IFMT == S_IFDIR
        let executable = isDirectory || info.st_mode & 0o111 != 0
        let mode: mode_t
        if let identity {
            guard chown(path, 0, identity.gid) == 0 else {
                throw SandboxSetupFailure("chown \(path): \(LinuxSystem.lastError)")
            }
            // The stage root only needs to be traversed, not listed; files are never written.
            mode = isStageRoot ? 0o710 : isDirectory ? 0o750 : (executable ? 0o550 : 0o440)
        } else {
            mode = executable ? 0o700 : 0o600
        }
        guard chmod(path, mode) == 0 else {
            throw SandboxSetupFailure("chmod \(path): \(LinuxSystem.lastError)")
        }
    }
}

/// Finding and killing a run's processes on the host: what needs the run's stage or waits asynchronously.
extension RunProcesses {
    /// Kills everything the run started and returns how many processes were still found afterwards.
    ///
    /// `launcher` is the unreaped launcher, whose pid and process group cannot have been reused;
    /// pass nil once it has been reaped. `sandboxNamespace` is the sandbox's pid namespace as
    /// bubblewrap reported it (`pid:[N]`), if it did.
    static func killAll(launcher: pid_t?, stage: RunStage, sandboxNamespace: String?) async -> Int {
        // Without root there is no run uid or cgroup to find processes by. The product's processes
        // are exactly those in the sandbox's own pid namespace (orphans included), which is found
        // from the launcher's descendants before anything is killed, or from bubblewrap's report
        // once the launcher has ended: its namespace's processes are killed by the kernel only
        // after that, so they can still be running. Matching by namespace, not by pid, means a pid
        // reused by an unrelated process is never touched.
        var namespaces = Set<String>()
        if let launcher {
            let own = pidNamespace(of: getpid())
            namespaces = Set(descendants(of: launcher).compactMap(pidNamespace(of:)).filter { $0 != own })
            kill(launcher, SIGKILL)
            kill(-launcher, SIGKILL)
        }
        if stage.cgroup == nil, stage.identity == nil, let sandboxNamespace {
            namespaces.insert(sandboxNamespace)
        }
        var remaining: [pid_t] = []
        for _ in 0..<killRounds {
            remaining = killLive(survivors(stage) + (namespaces.isEmpty ? [] : inNamespaces(namespaces)))
            if remaining.isEmpty { return 0 }
            try? await Task.sleep(for: killPause)
        }
        return remaining.count
    }

    /// The launchers and bubblewrap processes of the run staged in the folder called `stage`, found
    /// by the folder's name on their command lines; the sandbox's init is a bubblewrap process too,
    /// and killing it ends everything in the sandbox.
    static func launchedFor(stage name: String) -> [pid_t] {
        let marker = Array(name.utf8)
        return LinuxSystem.processIDs().filter { pid in
            guard let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  command.count >= marker.count, command.firstRange(of: marker) != nil else { return false }
            let words = command.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            return SandboxHost.bubblewrapCandidates.contains(words[0])
                || (words.count > 1 && words[1] == SandboxLauncher.marker)
        }
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

    /// The run's processes still alive: the cgroup's members when there is a cgroup (the launcher
    /// joins it as root before anything of the run exists, and no process of the run can leave
    /// it), otherwise the processes of the run's own uid.
    private static func survivors(_ stage: RunStage) -> [pid_t] {
        if let cgroup = stage.cgroup { return Array(cgroup.members) }
        if let identity = stage.identity { return owned(by: identity.uid) }
        return []
    }
}
