import Catalog
import Foundation
import RegistrySupport

/// Each product's rendered catalog parts from earlier builds, one file per product under
/// `.registry/catalog-cache/`, reused while the product's inputs are unchanged.
///
/// Its own folder, apart from any site: `Scripts/quickstart.sh` writes the site to
/// `.registry/catalog/`, and a cache sharing a folder with a site would be swept away by the
/// site's switch, or sweep the site's files away when pruned.
///
/// Kept out of the index on purpose: every command checks the index file's integrity on opening,
/// and megabytes of rendered text there would slow them all. Losing the folder only costs time.
struct CatalogCache {
    /// One product's parts and what they were rendered from.
    struct Entry {
        /// `CatalogFreshness.digest(of:)` of the inputs.
        var inputDigest: String
        /// When the approvals were evaluated (seconds since 1970).
        var renderedAt: Int64
        /// The first second the approvals could read differently, if any (`CatalogFreshness.validUntil`).
        var validUntil: Int64?
        /// `RenderedProduct.archived`.
        var archive: ArraySlice<UInt8>

        /// Whether the parts still hold for these inputs at this second.
        func holds(for digest: String, at seconds: Int64) -> Bool {
            inputDigest == digest && renderedAt <= seconds && validUntil.map { seconds < $0 } ?? true
        }
    }

    let folder: URL

    init(stateDirectory: URL) {
        folder = Self.folder(stateDirectory: stateDirectory)
    }

    /// The cache's folder in the registry's state folder (`.registry/`).
    static func folder(stateDirectory: URL) -> URL {
        stateDirectory.appendingPathComponent("catalog-cache", isDirectory: true)
    }

    private func file(_ id: String) -> String { folder.path + "/" + id }

    /// The entry of a product, or nil when there is none or it cannot be read.
    ///
    /// A file is one header line (`<digest> <rendered-at> <valid-until or ->`) and the archive;
    /// a file cut short by a crash fails the archive's own length checks and is rendered again.
    func entry(for id: String) -> Entry? {
        guard let bytes = Self.contents(of: file(id)), let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let header = String(decoding: bytes[..<newline], as: UTF8.self).split(separator: " ")
        guard header.count == 3, let renderedAt = Int64(header[1]) else { return nil }
        return Entry(inputDigest: String(header[0]), renderedAt: renderedAt, validUntil: Int64(header[2]),
                     archive: bytes[(newline + 1)...])
    }

    /// A file's bytes read straight into an array: a rebuild reads megabytes of these, and going
    /// through `Data` would copy them once more.
    private static func contents(of path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        let size = Int(status.st_size)
        var complete = true
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var offset = 0
            while offset < size {
                let count = read(descriptor, buffer.baseAddress! + offset, size - offset)
                guard count > 0 else { break }
                offset += count
            }
            complete = offset == size
            initialized = offset
        }
        return complete ? bytes : nil
    }

    /// The entries of these products that read back, each with its parts decoded.
    func parts(of ids: [String]) -> [String: (entry: Entry, product: RenderedProduct)] {
        var parts: [String: (entry: Entry, product: RenderedProduct)] = [:]
        for id in ids {
            if let entry = entry(for: id), let product = RenderedProduct(archived: entry.archive) { parts[id] = (entry, product) }
        }
        return parts
    }

    /// Stores a product's entry through a temporary file and a rename, so a build reading the cache
    /// while another writes it (builds into different folders may run at once) reads a whole entry.
    ///
    /// Without `fsync`, unlike `AtomicFile`: a full build stores a thousand entries, and an entry a
    /// power loss cuts short fails its own length checks and is only rendered again.
    func store(_ entry: Entry, for id: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var bytes = Array("\(entry.inputDigest) \(entry.renderedAt) \(entry.validUntil.map(String.init) ?? "-")\n".utf8)
        bytes += entry.archive
        let temporary = folder.path + "/." + id + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CoreError.fileProblem(path: file(id), detail: "the catalog cache cannot be written (\(String(cString: strerror(errno)))); check that the folder is writable and has free space")
        }
        defer { close(descriptor) }
        var failure = bytes.withUnsafeBytes { FileWrite.all($0, to: descriptor) }
        if failure == 0, rename(temporary, file(id)) != 0 { failure = errno }
        guard failure == 0 else {
            let reason = String(cString: strerror(failure))
            unlink(temporary)
            throw CoreError.fileProblem(path: file(id), detail: "the catalog cache cannot be written (\(reason)); check that the folder is writable and has free space")
        }
    }

    /// Deletes the entries of products no longer in the registry; temporary files, which another
    /// build may be about to rename, are left alone.
    func prune(keeping ids: Set<String>) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where !ids.contains(name) && !name.hasPrefix(".") {
            unlink(file(name))
        }
    }
}
