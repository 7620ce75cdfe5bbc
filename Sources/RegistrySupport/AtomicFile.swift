import Foundation

/// Writes a file so that a reader, or the next command after a kill, sees either the old content or
/// the whole new content, never a part: a temporary file in the same folder, `fsync`, `rename` over
/// the target, then `fsync` of the folder so the rename itself survives a power loss.
public enum AtomicFile {
    /// Why an atomic write failed, with the path it was writing and the system's reason.
    public struct WriteError: RegistryDiagnostic {
        /// The file that was being written.
        public let path: String
        /// The system's reason (`strerror`).
        public let reason: String

        public var message: String {
            "Could not write '\(path)': \(reason). Check that its folder exists, is writable and has free space, then run the command again."
        }

        public var category: DiagnosticCategory { .environment }
    }

    /// Replaces `url` with `data`, creating it with `permissions` when it does not exist yet and
    /// keeping the existing file's permissions otherwise.
    public static func write(_ data: some DataProtocol, to url: URL, permissions: mode_t = 0o644) throws(WriteError) {
        let target = url.path
        let folder = url.deletingLastPathComponent().path
        var existing = stat()
        let mode = stat(target, &existing) == 0 ? existing.st_mode & 0o7777 : permissions
        let prefix = "." + url.lastPathComponent + temporaryInfix
        removeLeftovers(in: folder, prefix: prefix)
        let temporary = folder + "/" + prefix + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw WriteError(path: target, reason: String(cString: strerror(errno))) }
        var failure = Array(data).withUnsafeBytes { FileWrite.all($0, to: descriptor) }
        if failure == 0, fchmod(descriptor, mode) != 0 { failure = errno }
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0, failure == 0 { failure = errno }
        if failure == 0, rename(temporary, target) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw WriteError(path: target, reason: String(cString: strerror(failure)))
        }
        syncFolder(folder)
    }

    /// What follows a file's name in its temporary files' names, before the writer's pid.
    private static let temporaryInfix = ".tmp-"

    /// Removes the temporary files of writes to the same file whose process is gone: a kill between
    /// creating one and the rename leaves it beside the file (a signature in `Reviews/`, say), where
    /// `git add` would pick it up. A live writer's file, or one whose pid was reused, is kept.
    private static func removeLeftovers(in folder: String, prefix: String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for entry in entries where entry.hasPrefix(prefix) {
            guard let pid = pid_t(entry.dropFirst(prefix.count).prefix { $0 != "-" }), pid > 0, pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(folder + "/" + entry)
        }
    }

    /// Flushes a folder's entries (a rename or a new file in it) to disk; best effort, as some file
    /// systems refuse `fsync` on a folder.
    public static func syncFolder(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
