import Foundation
import Glibc
import RegistrySupport
import SandboxLaunch

/// The run's `/output` folder as seen from the host: measured while the product runs, collected after.
///
/// The product controls everything inside it, so nothing here follows a symbolic link, opens a
/// FIFO or device, or trusts a name it did not check.
struct OutputFolder: Sendable {
    let url: URL

    /// How much the product has written so far.
    struct Usage: Sendable, Equatable {
        var bytes: UInt64 = 0
        var entries = 0
        var largestFile: UInt64 = 0
    }

    /// How deep folders in `/output` may nest.
    static let maximumDepth = 16

    /// Walks the folder without following links, stopping early once `entryLimit` is passed.
    func usage(entryLimit: Int) -> Usage {
        var usage = Usage()
        let root = open(url.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard root >= 0 else { return usage }
        walk(root, depth: 0, entryLimit: entryLimit, into: &usage)
        return usage
    }

    private func walk(_ directoryDescriptor: Int32, depth: Int, entryLimit: Int, into usage: inout Usage) {
        guard let directory = fdopendir(directoryDescriptor) else {
            close(directoryDescriptor)
            return
        }
        defer { closedir(directory) }
        while usage.entries <= entryLimit, let entry = readdir(directory) {
            let name = Self.name(of: entry)
            if name == "." || name == ".." { continue }
            usage.entries += 1
            var info = stat()
            guard fstatat(directoryDescriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            let size = UInt64(max(info.st_size, 0))
            usage.bytes += size
            usage.largestFile = max(usage.largestFile, size)
            if info.st_mode & S_IFMT == S_IFDIR {
                // Anything nested deeper than a product could need counts as over quota, so
                // nothing can hide below the depth the walk is willing to go.
                guard depth < Self.maximumDepth else {
                    usage.entries = entryLimit + 1
                    return
                }
                let child = openat(directoryDescriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if child >= 0 { walk(child, depth: depth + 1, entryLimit: entryLimit, into: &usage) }
            }
        }
    }

    /// Copies accepted declared outputs into `destination` and lists everything else as rejected.
    func collect(declared: [String], into destination: URL, maxBytes: UInt64)
        -> (collected: [CollectedOutput], rejected: [RejectedOutput], missing: [String]) {
        var collected: [CollectedOutput] = []
        var rejected: [RejectedOutput] = []
        let root = open(url.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard root >= 0, let directory = fdopendir(root) else {
            if root >= 0 { close(root) }
            return ([], [], declared)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = Self.name(of: entry)
            if name != "." && name != ".." { names.append(name) }
        }
        let wanted = Set(declared)
        for name in names.sorted() {
            guard wanted.contains(name) else {
                rejected.append(RejectedOutput(name: name, reason: "is not a declared output"))
                continue
            }
            switch accept(name, in: root, into: destination, maxBytes: maxBytes) {
            case .success(let output): collected.append(output)
            case .failure(let refusal): rejected.append(RejectedOutput(name: name, reason: refusal.reason))
            }
        }
        let present = Set(names)
        return (collected, rejected, declared.filter { !present.contains($0) })
    }

    private struct Refusal: Error {
        let reason: String
    }

    private func accept(_ name: String, in root: Int32, into destination: URL, maxBytes: UInt64) -> Result<CollectedOutput, Refusal> {
        var before = stat()
        guard fstatat(root, name, &before, AT_SYMLINK_NOFOLLOW) == 0 else {
            return .failure(Refusal(reason: "could not be examined (\(LinuxSystem.lastError))"))
        }
        if let refusal = Self.refusal(for: before, maxBytes: maxBytes) { return .failure(refusal) }
        let source = openat(root, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard source >= 0 else {
            return .failure(Refusal(reason: errno == ELOOP ? "is a symbolic link" : "could not be opened (\(LinuxSystem.lastError))"))
        }
        defer { close(source) }
        var info = stat()
        guard fstat(source, &info) == 0 else { return .failure(Refusal(reason: "could not be examined (\(LinuxSystem.lastError))")) }
        if info.st_dev != before.st_dev || info.st_ino != before.st_ino {
            return .failure(Refusal(reason: "was replaced while being collected"))
        }
        if let refusal = Self.refusal(for: info, maxBytes: maxBytes) { return .failure(refusal) }
        let target = destination.appendingPathComponent(name)
        let copy = open(target.path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard copy >= 0 else { return .failure(Refusal(reason: "could not be copied to '\(target.path)' (\(LinuxSystem.lastError))")) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total: UInt64 = 0
        while true {
            let count = read(source, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                close(copy)
                return .failure(Refusal(reason: "could not be read (\(LinuxSystem.lastError))"))
            }
            if count == 0 { break }
            total += UInt64(count)
            guard total <= maxBytes, write(copy, buffer, count) == count else {
                close(copy)
                unlink(target.path)
                return .failure(Refusal(reason: "could not be copied within the output quota"))
            }
        }
        close(copy)
        guard let digest = try? SHA256Hex.ofFile(at: target) else {
            return .failure(Refusal(reason: "could not be hashed after copying"))
        }
        return .success(CollectedOutput(name: name, url: target, sha256: digest, size: total))
    }

    private static func refusal(for info: stat, maxBytes: UInt64) -> Refusal? {
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK: return Refusal(reason: "is a symbolic link")
        case S_IFDIR: return Refusal(reason: "is a folder, not a regular file")
        case S_IFIFO: return Refusal(reason: "is a FIFO")
        case S_IFCHR, S_IFBLK: return Refusal(reason: "is a device node")
        case S_IFSOCK: return Refusal(reason: "is a socket")
        default: return Refusal(reason: "is not a regular file")
        }
        if info.st_nlink != 1 { return Refusal(reason: "has \(info.st_nlink) hard links") }
        if info.st_mode & (S_ISUID | S_ISGID) != 0 { return Refusal(reason: "has the setuid or setgid bit") }
        if UInt64(max(info.st_size, 0)) > maxBytes { return Refusal(reason: "is larger than the output quota") }
        return nil
    }

    private static func name(of entry: UnsafeMutablePointer<dirent>) -> String {
        withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
