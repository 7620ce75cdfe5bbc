import Foundation
import Glibc
import SandboxLaunch

/// Where runs stage their files: the scratch copy of each product and the sandbox's private copy.
///
/// `TMPDIR` when it is set, as for any program. Otherwise `/dev/shm` when it is a memory file
/// system with room to spare, else `/tmp`. A run creates and removes a few dozen files and folders;
/// on an ext4 file system without a journal the kernel skips every inode freed in the last minute
/// when it allocates a new one, so a `check` of many products spent about a sixth of its CPU time
/// in inode allocation below `/tmp`, and none on a memory file system. A run's files are small (its
/// outputs are capped), and a `/dev/shm` without the room (64 MB in a default container) is passed over.
public enum RunFolder {
    /// The folder runs stage below in this process.
    public static var current: URL { choose(temporaryDirectory: setTemporaryDirectory, sharedMemory: sharedMemory) }

    /// Every folder a run of a registry on this machine may have staged below, for removing what
    /// killed runs left: `TMPDIR` alone when it is set, else both `/dev/shm` and `/tmp`, since the
    /// choice between them can change from one command to the next.
    public static var everyCandidate: [URL] {
        if let set = setTemporaryDirectory { return [URL(fileURLWithPath: set, isDirectory: true).standardizedFileURL] }
        return [sharedMemoryFolder, temporaryFolder].filter { access($0.path, F_OK) == 0 }
    }

    /// What is known about a memory file system candidate.
    struct Candidate: Equatable {
        var isMemoryFileSystem: Bool
        var worldWritableAndSticky: Bool
        var freeBytes: UInt64
    }

    /// Free space `/dev/shm` must have to be chosen: room for several runs' capped outputs at once.
    static let minimumFreeBytes: UInt64 = 1 << 30

    static let sharedMemoryFolder = URL(fileURLWithPath: "/dev/shm", isDirectory: true)
    static let temporaryFolder = URL(fileURLWithPath: "/tmp", isDirectory: true)

    /// The choice, with what the machine says made explicit so each case can be tested.
    static func choose(temporaryDirectory: String?, sharedMemory: Candidate?) -> URL {
        if let temporaryDirectory { return URL(fileURLWithPath: temporaryDirectory, isDirectory: true).standardizedFileURL }
        if let sharedMemory, sharedMemory.isMemoryFileSystem, sharedMemory.worldWritableAndSticky,
           sharedMemory.freeBytes >= minimumFreeBytes {
            return sharedMemoryFolder
        }
        return temporaryFolder
    }

    /// `TMPDIR`, when it is set to something.
    private static var setTemporaryDirectory: String? {
        guard let value = getenv("TMPDIR").map({ String(cString: $0) }), !value.isEmpty else { return nil }
        return value
    }

    /// `/dev/shm` as `statfs` and `stat` describe it, or nil when it does not exist.
    private static var sharedMemory: Candidate? {
        var space = statvfs()
        var info = stat()
        let path = sharedMemoryFolder.path
        guard let type = LinuxSystem.fileSystemType(of: path), statvfs(path, &space) == 0, stat(path, &info) == 0 else { return nil }
        let tmpfsMagic = 0x0102_1994
        return Candidate(isMemoryFileSystem: type == tmpfsMagic,
                         worldWritableAndSticky: info.st_mode & 0o1777 == 0o1777,
                         freeBytes: UInt64(space.f_bavail) * UInt64(space.f_frsize))
    }
}
