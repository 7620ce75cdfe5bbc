import Foundation

/// Publishes a whole folder at once: a new version is built in a sibling folder and then switched
/// into place, so a reader of the target path sees the old folder or the new one, never a mix.
public enum AtomicFolder {
    /// Puts the folder at `staged` in place of `target` and returns where the previous target now
    /// lies (for the caller to remove), or nil when there was none.
    ///
    /// On Linux `renameat2(RENAME_EXCHANGE)` swaps both names in one step, leaving the previous
    /// folder at `staged`. File systems without it (`EINVAL`) get two renames, the previous folder
    /// moving to `retired` first: a kill between them leaves no folder at `target` until the next build.
    public static func replace(_ target: String, with staged: String,
                               retired: String) throws(AtomicFile.WriteError) -> String? {
        var existing = stat()
        guard lstat(target, &existing) == 0 else {
            guard rename(staged, target) == 0 else { throw AtomicFile.WriteError(path: target, reason: String(cString: strerror(errno))) }
            AtomicFile.syncFolder((target as NSString).deletingLastPathComponent)
            return nil
        }
        if exchange(staged, target) == 0 {
            AtomicFile.syncFolder((target as NSString).deletingLastPathComponent)
            return staged
        }
        guard errno == EINVAL || errno == ENOSYS, rename(target, retired) == 0 else {
            throw AtomicFile.WriteError(path: target, reason: String(cString: strerror(errno)))
        }
        guard rename(staged, target) == 0 else {
            let reason = String(cString: strerror(errno))
            rename(retired, target)
            throw AtomicFile.WriteError(path: target, reason: reason)
        }
        AtomicFile.syncFolder((target as NSString).deletingLastPathComponent)
        return retired
    }

    /// Flushes every written file of the file system holding `path` to disk with one `syncfs`, so
    /// a folder switched into place afterwards never shows files whose bytes a power loss could
    /// take back; cheaper than an `fsync` per file when a folder holds thousands. Best effort.
    public static func flushFileSystem(of path: String) {
        typealias SyncFS = @convention(c) (Int32) -> Int32
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        // `syncfs` is a GNU extension Swift's Glibc module does not import; resolved through the loader.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") {
            _ = unsafeBitCast(symbol, to: SyncFS.self)(descriptor)
        } else {
            sync()
        }
    }

    /// `renameat2(old, new, RENAME_EXCHANGE)`: a GNU extension Swift's Glibc module does not import,
    /// so it is resolved through the loader; -1 with `ENOSYS` where the C library lacks it.
    private static func exchange(_ first: String, _ second: String) -> Int32 {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else {
            errno = ENOSYS
            return -1
        }
        let renameExchange: UInt32 = 1 << 1
        return unsafeBitCast(symbol, to: RenameAt2.self)(AT_FDCWD, first, AT_FDCWD, second, renameExchange)
    }
}

/// An exclusive lock held through a lock file: a second holder waits until the first releases it
/// or its process ends (the kernel drops `flock` locks of dead processes, so a kill leaves none).
public final class FileLock {
    private let path: String
    private var descriptor: Int32

    /// Takes the lock at `path`, creating the file, and waits while another process holds it.
    ///
    /// The holder deletes the file on release; a waiter that then wins the lock on the deleted file
    /// notices (the path no longer names its file) and tries again on a new one.
    public init(_ path: String) throws(AtomicFile.WriteError) {
        self.path = path
        while true {
            // Never through a link: in a shared folder it could name any file for O_CREAT to create.
            let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw AtomicFile.WriteError(path: path, reason: String(cString: strerror(errno))) }
            var result: Int32
            repeat { result = flock(descriptor, LOCK_EX) } while result != 0 && errno == EINTR
            var held = stat(), named = stat()
            if result == 0, fstat(descriptor, &held) == 0, stat(path, &named) == 0,
               held.st_dev == named.st_dev, held.st_ino == named.st_ino {
                self.descriptor = descriptor
                return
            }
            let reason = String(cString: strerror(errno))
            close(descriptor)
            if result != 0 { throw AtomicFile.WriteError(path: path, reason: reason) }
        }
    }

    /// Releases the lock and deletes its file; called on deinit if not before.
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
