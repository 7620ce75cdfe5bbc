import Foundation
import Glibc
import SandboxLaunch

/// What runs of registries that no longer exist left behind, found and removed by a later registry.
///
/// A registry killed mid-run (SIGKILL included) cannot clean up: its launchers kill the run's
/// processes, but its staging folders, cgroups and scratch folders stay. Each carries its owner
/// (`RunOwner`) in its name, so only those of owners that are gone are touched: a registry running
/// at the same time keeps everything of its own.
public enum RunLeftovers {
    /// Kills any process still running for a dead owner's run, removes its cgroup, and removes its
    /// staging folder below `workRoot`; returns the names of the runs removed.
    @discardableResult
    public static func removeDeadRuns(workRoot: URL) -> [String] {
        let names = ownedFolders(in: workRoot, prefix: RunStage.prefix)
            .union(RunCgroup.names(withPrefix: RunStage.prefix))
            .filter { name in RunOwner(name: name, prefix: RunStage.prefix).map { !$0.isAlive } ?? false }
        for name in names {
            let cgroup = RunCgroup.named(name)
            _ = RunProcesses.killUntilGone { Array(cgroup.members) + RunProcesses.launchedFor(stage: name) }
            cgroup.remove()
            let folder = workRoot.appendingPathComponent(name, isDirectory: true)
            if isOwnedFolder(folder.path) { removeTree(folder) }
        }
        return names.sorted()
    }

    /// Removes the folders in `folder` named `prefix` followed by a dead owner's token (see
    /// `RunOwner`); returns their names. Only folders of this user are touched, never a link.
    @discardableResult
    public static func removeFolders(in folder: URL, prefix: String) -> [String] {
        let dead = ownedFolders(in: folder, prefix: prefix)
            .filter { name in RunOwner(name: name, prefix: prefix).map { !$0.isAlive } ?? false }
        for name in dead { removeTree(folder.appendingPathComponent(name, isDirectory: true)) }
        return dead.sorted()
    }

    /// Removes a folder and everything below it, never following a link.
    ///
    /// Read-only folders are opened up first: the run's copies are read-only on purpose, and a
    /// product can leave read-only folders in `/output` that its owner could not otherwise empty.
    static func removeTree(_ url: URL) {
        if (try? FileManager.default.removeItem(at: url)) != nil { return }
        openUp(url.path)
        try? FileManager.default.removeItem(at: url)
    }

    private static func openUp(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return }
        chmod(path, 0o700)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            openUp(path + "/" + entry)
        }
    }

    /// Names in `folder` starting with `prefix` that are folders (not links) owned by this user.
    private static func ownedFolders(in folder: URL, prefix: String) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return Set(names.filter { $0.hasPrefix(prefix) && isOwnedFolder(folder.appendingPathComponent($0).path) })
    }

    private static func isOwnedFolder(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR && info.st_uid == geteuid()
    }
}
