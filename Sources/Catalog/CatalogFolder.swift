import Foundation
import ProductModel
import RegistrySupport

/// One catalog build's output: the published folder, and the sibling folder the build makes into
/// the new site and then switches into place whole (`publish`), so readers of the published folder
/// see the previous site or the new one, never a mix, whenever the build stops.
///
/// Opening it refuses folders that are not the registry's to replace and takes a lock so a second
/// build into the same folder waits. Files the previous site holds with the right bytes are
/// hard-linked into the new one rather than written again; a product page is reused only when the
/// previous state file records the same input digest and the page's bytes still have the SHA-256
/// recorded for them.
///
/// The site replaced by a build is kept beside the folder as a spare (`.<name>.catalog-spare`) and
/// becomes the next build's working folder, which is made exactly the new site: most of its entries
/// are already links to the right files, and its ~2,000 folders at 1,000 products need not be created
/// again. Creating and deleting that many folders per build made ext4 rebuilds several times slower,
/// as it passes over recently freed inodes on each new one. A folder a killed build left is reused
/// the same way, or removed.
///
/// Products may be rendered into it from several tasks at once: the record of written and kept
/// files is guarded by a lock.
public final class CatalogFolder: @unchecked Sendable {
    /// The published folder.
    public let url: URL
    /// The folder this build writes, beside `url`.
    let stagingPath: String
    /// The previous build's state, when it is present and well formed.
    let previous: CatalogBuildState?
    private let publishedPath: String
    private let retiredPath: String
    private let lock: FileLock
    /// Every file of the new site, whether this build wrote it, and the SHA-256 of each product page.
    private let ledger = Guarded((files: [String: Bool](), pageContents: [String: String]()))
    private var published = false
    /// What the working folder held when it was opened: its files are checked before being
    /// replaced, and those the new site lacks are removed at the end.
    private let inherited: (files: Set<String>, folders: [String])
    private let sparePath: String

    /// The file that marks a folder as a catalog the registry wrote and may replace.
    public static let markerFileName = ".registry-catalog"
    static let markerText = "This folder is a public catalog written by `registry catalog build`; each build replaces it whole.\n"

    /// Opens `url` (which `resolve` has made absolute and free of links) for a build: refuses a
    /// file, the root folder and a non-empty folder without the registry's marker, waits for any
    /// other build into it, and takes the spare (or a killed build's folder) as its working folder,
    /// or creates one.
    public init(_ url: URL) throws(CatalogError) {
        self.url = url
        publishedPath = url.path
        let parent = (publishedPath as NSString).deletingLastPathComponent
        let name = (publishedPath as NSString).lastPathComponent
        try Self.checkReplaceable(publishedPath)
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(path: parent, reason: error.localizedDescription)
        }
        do throws(AtomicFile.WriteError) {
            lock = try FileLock(parent + "/." + name + ".catalog-lock")
        } catch {
            throw .cannotWrite(path: error.path, reason: error.reason)
        }
        // Checked again under the lock: another build may have created the folder meanwhile.
        try Self.checkReplaceable(publishedPath)
        let suffix = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        stagingPath = parent + "/." + name + Self.stagingInfix + suffix
        retiredPath = parent + "/." + name + Self.retiredInfix + suffix
        sparePath = parent + "/." + name + Self.spareSuffix
        var existing = stat()
        let mode = stat(publishedPath, &existing) == 0 ? existing.st_mode & 0o7777 : 0o755
        let reused = Self.takeLeftovers(in: parent, of: name, as: stagingPath)
        guard reused || mkdir(stagingPath, 0o700) == 0, chmod(stagingPath, mode) == 0 else {
            throw .cannotWrite(path: stagingPath, reason: String(cString: strerror(errno)))
        }
        inherited = reused ? Self.entries(below: stagingPath) : ([], [])
        previous = CatalogBuildState.read(from: publishedPath + "/" + CatalogBuilder.stateFileName)
        try writer.write(Self.markerText, to: Self.markerFileName)
    }

    deinit {
        if !published, rename(stagingPath, sparePath) != 0 { Self.removeSite(stagingPath) }
    }

    private static let stagingInfix = ".catalog-build-"
    private static let retiredInfix = ".catalog-retired-"
    private static let spareSuffix = ".catalog-spare"

    /// An output path made absolute, free of `.`, `..` and symbolic links; refused when empty or the root folder.
    public static func resolve(_ path: String) throws(CatalogError) -> URL {
        guard !path.isEmpty else {
            throw .unsuitableOutput(path: path, reason: "the folder name is empty; name a folder, such as --out public")
        }
        var missing: [String] = []
        var existing = URL(fileURLWithPath: path).standardizedFileURL.path
        // Links are resolved in the part that exists; the rest is created by the build.
        while realpath(existing, nil) == nil, existing != "/" {
            missing.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        guard let resolved = realpath(existing, nil) else { return URL(fileURLWithPath: path).standardizedFileURL }
        defer { free(resolved) }
        let url = missing.reduce(URL(fileURLWithPath: String(cString: resolved))) { $0.appendingPathComponent($1) }
        guard url.path != "/" else {
            throw .unsuitableOutput(path: path, reason: "that is the file system's root; name a folder of its own, such as public")
        }
        return url
    }

    /// Refuses anything at `path` the build must not replace: a file, or a folder with content but
    /// no sign that the registry wrote it.
    private static func checkReplaceable(_ path: String) throws(CatalogError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw .unsuitableOutput(path: path, reason: "it is a file, not a folder; name a folder for the site instead")
        }
        guard isEmptyOrOwn(path) else {
            throw .unsuitableOutput(path: path, reason: "the folder holds files but no \(markerFileName) marker, so the registry did not create it; name an empty or new folder instead")
        }
    }

    /// Whether a folder is empty or holds the marker (or the state file of catalogs built before the marker existed).
    private static func isEmptyOrOwn(_ path: String) -> Bool {
        var status = stat()
        for marker in [markerFileName, CatalogBuilder.stateFileName] where lstat(path + "/" + marker, &status) == 0 {
            return status.st_mode & S_IFMT == S_IFREG
        }
        return (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty ?? false
    }

    /// Renames the spare, or else a folder a killed build left, to `staging` and removes any other
    /// such folders; false when there was none to reuse.
    ///
    /// Only folders of this user count: in a shared parent (`/tmp`) another user could plant one,
    /// and the site published from it would stay theirs to change.
    private static func takeLeftovers(in parent: String, of name: String, as staging: String) -> Bool {
        let prefixes = ["." + name + stagingInfix, "." + name + retiredInfix]
        let spare = "." + name + spareSuffix
        var reused = false
        // The spare first: it is the most recent whole site.
        let siblings = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        for entry in siblings.filter({ $0 == spare }) + siblings.filter({ prefixes.contains(where: $0.hasPrefix) }) {
            let path = parent + "/" + entry
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == geteuid(),
                  isEmptyOrOwn(path) else { continue }
            if !reused, rename(path, staging) == 0 {
                reused = true
            } else {
                removeSite(path)
            }
        }
        return reused
    }

    /// Every file and every folder below a working folder, relative to it; anything else (a link,
    /// a pipe) is removed on the way. Writes go through the folders below it, so a link standing
    /// in for one (planted in the published site, which becomes the spare) would lead them, and
    /// the unlinking of what they replace, outside the site.
    private static func entries(below root: String) -> (files: Set<String>, folders: [String]) {
        var files = Set<String>(), folders: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            guard let directory = opendir(relative.isEmpty ? root : root + "/" + relative) else { continue }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                guard name != ".", name != ".." else { continue }
                let path = relative.isEmpty ? name : relative + "/" + name
                var kind = entry.pointee.d_type
                if kind == UInt8(DT_UNKNOWN) {
                    var status = stat()
                    let mode = lstat(root + "/" + path, &status) == 0 ? status.st_mode & S_IFMT : 0
                    kind = mode == S_IFDIR ? UInt8(DT_DIR) : mode == S_IFREG ? UInt8(DT_REG) : UInt8(DT_UNKNOWN)
                }
                if kind == UInt8(DT_DIR) {
                    folders.append(path)
                    pending.append(path)
                } else if kind == UInt8(DT_REG) {
                    files.insert(path)
                } else {
                    unlink(root + "/" + path)
                }
            }
        }
        return (files, folders)
    }

    /// Removes what the working folder inherited and the new site does not hold, deepest folders first.
    private func sweep() {
        let site = siteFiles
        for path in inherited.files where site[path] == nil { unlink(stagingPath + "/" + path) }
        var needed = Set<Substring>()
        for path in site.keys {
            var folder = Substring(path)
            while let slash = folder.lastIndex(of: "/") {
                folder = folder[..<slash]
                guard needed.insert(folder).inserted else { break }
            }
        }
        for folder in inherited.folders.sorted(by: { $0.count > $1.count }) where !needed.contains(Substring(folder)) {
            Self.removeSite(stagingPath + "/" + folder)
        }
    }

    /// Deletes a site folder, its marker and state file last, so a removal cut short by a kill
    /// leaves a folder the next build still recognises as its own and removes.
    ///
    /// `FileManager` removes links themselves, never what they point to.
    private static func removeSite(_ path: String) {
        let last = [markerFileName, CatalogBuilder.stateFileName]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where !last.contains(entry) {
            try? FileManager.default.removeItem(atPath: path + "/" + entry)
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes and keeps files in the new folder.
    var writer: SiteWriter { SiteWriter(folder: self, root: stagingPath, previousRoot: publishedPath) }

    /// Whether the new site holds a product's pages as `pageDigest` renders them: written by this
    /// build, or found in the previous site with the bytes its state records, and linked over.
    public func holdsPages(of id: String, pageDigest: String, site: CatalogSite) -> Bool {
        let writer = writer
        return site.languages.allSatisfy { language in
            let path = language.folder + SitePaths.product(id)
            if page(path) != nil { return true }
            guard let page = previous?.pages[path], page.input == pageDigest, writer.keep(path, sha256: page.content) else { return false }
            record(path, written: false, content: page.content)
            return true
        }
    }

    /// The ids of the products whose pages the new site holds (see `holdsPages`), checked on every
    /// core: a rebuild reads and hashes every unchanged page of the previous site.
    public func holdingPages(_ products: [(id: String, pageDigest: String)], site: CatalogSite) -> Set<String> {
        let held = Guarded(Set<String>())
        DispatchQueue.concurrentPerform(iterations: products.count) { index in
            let (id, digest) = products[index]
            if holdsPages(of: id, pageDigest: digest, site: site) { held.update { _ = $0.insert(id) } }
        }
        return held.value
    }

    /// Records a file of the new site; `content` is the SHA-256 of a product page.
    func record(_ path: String, written: Bool, content: String? = nil) {
        ledger.update { ledger in
            ledger.files[path] = written
            if let content { ledger.pageContents[path] = content }
        }
    }

    /// The SHA-256 of a product page already in the new site.
    func page(_ path: String) -> String? { ledger.read { $0.pageContents[path] } }

    /// Every file of the new site, and whether this build wrote it (true) or found it unchanged (false).
    var siteFiles: [String: Bool] { ledger.value.files }

    /// Switches the new site into place, keeps the previous one as the spare and releases the lock.
    func publish() throws(CatalogError) {
        sweep()
        AtomicFolder.flushFileSystem(of: stagingPath)
        let replaced: String?
        do throws(AtomicFile.WriteError) {
            replaced = try AtomicFolder.replace(publishedPath, with: stagingPath, retired: retiredPath)
        } catch {
            throw .cannotWrite(path: error.path, reason: error.reason)
        }
        published = true
        if let replaced, rename(replaced, sparePath) != 0 { Self.removeSite(replaced) }
        lock.release()
    }
}

/// What the previous build rendered, kept in the output folder for incremental rebuilds.
struct CatalogBuildState: Codable {
    /// A product page's input digest (`RenderedProduct.pageDigest`) and the SHA-256 of its bytes.
    struct Page: Codable {
        var input: String
        var content: String
    }

    static let currentFormat = "catalog-state/2"

    var format: String
    var renderer: String
    /// Page path → what it was rendered from and what it holds.
    var pages: [String: Page]

    /// The state file at `path`, or nil when it is missing, unreadable, from another renderer or
    /// names anything but product pages: then every page is rendered again, and nothing it names
    /// is ever read.
    static func read(from path: String) -> CatalogBuildState? {
        guard let data = FileManager.default.contents(atPath: path),
              let state = try? JSONDecoder().decode(CatalogBuildState.self, from: data),
              state.format == currentFormat, state.renderer == CatalogBuilder.rendererVersion,
              state.pages.allSatisfy({ isPagePath($0.key) && isDigest($0.value.input) && isDigest($0.value.content) })
        else { return nil }
        return state
    }

    /// `products/<id>.html` below a language folder, with a well-formed id (never a separator, `.` or `..`).
    private static func isPagePath(_ path: String) -> Bool {
        // Any language's folder: the state may come from a build with other languages.
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard path.hasSuffix(".html"), parts.count == 2 || (parts.count == 3 && InterfaceStrings.isLanguageTag(String(parts[0]))),
              parts[parts.count - 2] == "products" else { return false }
        return ProductID.isWellFormed(String(parts[parts.count - 1].dropLast(".html".count)))
    }

    private static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// The state as JSON with sorted keys.
    func json() -> String {
        var json = CatalogJSONWriter()
        json.object { o in
            o.field("format", format)
            o.field("pages") { o in
                for path in pages.keys.sorted() {
                    o.field(path) { o in o.field("content", pages[path]?.content); o.field("input", pages[path]?.input) }
                }
            }
            o.field("renderer", renderer)
        }
        return json.text + "\n"
    }
}

/// Writes files into a build's working folder, reusing each file of the previous site that already
/// holds the right bytes by a hard link, which costs no new inode and keeps its modification time.
///
/// Writes go through POSIX calls: Foundation's `Data.write` costs several times more per file, which
/// dominates a build of thousands of pages. The working folder is private until it is published, so
/// a file is created at its final name; an existing entry is never opened for writing but replaced,
/// because it may be a link to a file of the published site.
struct SiteWriter {
    let folder: CatalogFolder
    let root: String
    let previousRoot: String

    private func path(_ relative: String) -> String { root + "/" + relative }

    /// Writes a file of the new site; returns whether its bytes are new (false: reused from the previous site).
    @discardableResult
    func write(_ text: String, to relative: String, recordingContent: Bool = false) throws(CatalogError) -> Bool {
        let content = recordingContent ? SHA256Hex.of(text) : nil
        if let previous = Self.contents(of: previousRoot + "/" + relative), Self.holds(previous.bytes, text),
           link(relative, to: previous.status) {
            folder.record(relative, written: false, content: content)
            return false
        }
        let target = path(relative)
        // A working folder reused from two builds back may hold these bytes already.
        if let staged = Self.contents(of: target), Self.holds(staged.bytes, text) {
            folder.record(relative, written: true, content: content)
            return true
        }
        unlink(target)
        var descriptor = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if descriptor < 0 && errno == ENOENT {
            try makeParent(of: relative)
            descriptor = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else { throw .cannotWrite(path: target, reason: String(cString: strerror(errno))) }
        var bytes = text
        let failure = bytes.withUTF8 { FileWrite.all(UnsafeRawBufferPointer($0), to: descriptor) }
        close(descriptor)
        guard failure == 0 else { throw .cannotWrite(path: target, reason: String(cString: strerror(failure))) }
        folder.record(relative, written: true, content: content)
        return true
    }

    /// Writes many files on every core; the first failure is thrown once all have been tried.
    func write(_ files: [(path: String, text: String)]) throws(CatalogError) {
        let firstError = Guarded<CatalogError?>(nil)
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            do throws(CatalogError) {
                try write(files[index].text, to: files[index].path)
            } catch {
                firstError.update { $0 = $0 ?? error }
            }
        }
        if let error = firstError.value { throw error }
    }

    /// Links a previous site's file into the new site when its bytes have this SHA-256.
    func keep(_ relative: String, sha256: String) -> Bool {
        guard let previous = Self.contents(of: previousRoot + "/" + relative), SHA256Hex.of(previous.bytes) == sha256 else { return false }
        return link(relative, to: previous.status)
    }

    /// Makes the new site's entry a hard link to the previous site's file, unless it already is one.
    private func link(_ relative: String, to previous: stat) -> Bool {
        let source = previousRoot + "/" + relative, target = path(relative)
        var staged = stat()
        if lstat(target, &staged) == 0 {
            if staged.st_dev == previous.st_dev && staged.st_ino == previous.st_ino { return true }
            unlink(target)
        }
        if linkat(AT_FDCWD, source, AT_FDCWD, target, 0) == 0 { return true }
        guard errno == ENOENT, (try? makeParent(of: relative)) != nil else { return false }
        return linkat(AT_FDCWD, source, AT_FDCWD, target, 0) == 0
    }

    /// Creates the folders above a file; several tasks may create the same ones at once.
    private func makeParent(of relative: String) throws(CatalogError) {
        var folder = root
        for part in relative.split(separator: "/").dropLast() {
            folder += "/" + part
            guard mkdir(folder, 0o755) == 0 || errno == EEXIST else {
                throw .cannotWrite(path: folder, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// The bytes and status of a regular file, not following a link at the last step; nil when there is none.
    private static func contents(of path: String) -> (bytes: Data, status: stat)? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        var data = Data(count: Int(status.st_size))
        let complete = data.withUnsafeMutableBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = read(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        return complete ? (data, status) : nil
    }

    /// Whether the bytes are the text's UTF-8, compared in one `memcmp` rather than byte by byte.
    private static func holds(_ data: Data, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            data.count == utf8.count && data.withUnsafeBytes { bytes in
                guard let stored = bytes.baseAddress, let expected = utf8.baseAddress else { return utf8.isEmpty }
                return memcmp(stored, expected, utf8.count) == 0
            }
        }
    }
}
