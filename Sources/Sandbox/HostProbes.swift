import Foundation
import Glibc
import RegistrySupport

/// Answers of host probes (a program of this machine started to learn its version, such as
/// `bwrap --version`) remembered between commands in one JSON file of the registry's state folder.
///
/// Each answer is kept with the identity of the probed file (device, inode, size, modification and
/// change times, after links): replacing, rewriting, `touch`ing or `chmod`ing the program changes
/// that identity and the program is probed again. Nothing is remembered for a program that someone
/// else could change without changing its identity's owner (not a regular file, writable by group or
/// others, owned by neither root nor this user), and the file itself is believed only when it is a
/// regular file, not a link, owned by root or this user and writable by nobody else. Any doubt (a
/// missing, unreadable, oversized or malformed file, an entry for another identity) means probing again.
public struct HostProbes: Sendable {
    /// The JSON file the answers live in.
    public let file: URL

    /// Probes remembered in `file` (created on the first answer).
    public init(file: URL) {
        self.file = file
    }

    /// The answer of `program` started with `arguments`: the remembered one while `program` is still
    /// the file it was, else whatever `probe` returns now, which is remembered when `probe` gives one
    /// (nil: the probe failed, and a failure is never remembered).
    public func answer<Failure: Error>(program: String, arguments: [String],
                                        probe: () throws(Failure) -> String?) throws(Failure) -> String? {
        guard let identity = ProbedFile(trustedAt: program) else { return try probe() }
        let key = ([program] + arguments).joined(separator: " ")
        var entries = readEntries()
        if let entry = entries?[key], entry.file == identity { return entry.answer }
        guard let answer = try probe() else { return nil }
        // The program may have changed while it ran: remember the answer only for the file it was before and after.
        guard ProbedFile(trustedAt: program) == identity else { return answer }
        if entries == nil {
            // A file not believed is replaced, not rewritten in place with its permissions kept.
            unlink(file.path)
            entries = [:]
        }
        entries?[key] = Entry(file: identity, answer: answer)
        if let data = try? CanonicalJSON.encode(entries) {
            try? AtomicFile.write(data, to: file, permissions: 0o644)
        }
        return answer
    }

    /// The remembered entries, `[:]` when there is no file yet, or nil when the file is not believed.
    private func readEntries() -> [String: Entry]? {
        let descriptor = open(file.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return errno == ENOENT ? [:] : nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, Self.isTrustworthy(info), info.st_size <= Self.sizeLimit else { return nil }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while data.count <= Self.sizeLimit {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 {
                return nil
            } else {
                break
            }
        }
        guard data.count <= Self.sizeLimit else { return nil }
        return try? JSONDecoder().decode([String: Entry].self, from: data)
    }

    /// Far more than a few probes ever need; anything larger is not this file.
    private static let sizeLimit = 64 << 10

    /// A regular file that only its owner, root or this user, can change.
    static func isTrustworthy(_ info: stat) -> Bool {
        let mode: mode_t = info.st_mode
        let owner: uid_t = info.st_uid
        let regular = mode & S_IFMT == S_IFREG
        let writableByOthers = mode & 0o022 != 0
        let ownedByRootOrMe = owner == 0 || owner == geteuid()
        return regular && !writableByOthers && ownedByRootOrMe
    }

    /// One remembered answer and the file it came from.
    private struct Entry: Codable {
        var file: ProbedFile
        var answer: String
    }
}

/// What identifies a probed program's file: any replacement or change of it changes one of these.
struct ProbedFile: Codable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int
    var changedSeconds: Int
    var changedNanoseconds: Int

    /// The identity of the file at `path` (links followed, as `exec` follows them), or nil when
    /// there is none or it is not a file whose identity can be trusted (`HostProbes.isTrustworthy`).
    init?(trustedAt path: String) {
        var info = stat()
        guard stat(path, &info) == 0, HostProbes.isTrustworthy(info) else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = info.st_mtim.tv_sec
        modifiedNanoseconds = info.st_mtim.tv_nsec
        changedSeconds = info.st_ctim.tv_sec
        changedNanoseconds = info.st_ctim.tv_nsec
    }
}

extension HostProbes {
    /// The probes of this process, once a command has said where its registry keeps them; until
    /// then (or for commands outside a registry) every probe runs.
    public static var current: HostProbes? {
        get { location.value }
        set { location.update { $0 = newValue } }
    }

    private static let location = Guarded<HostProbes?>(nil)
}
