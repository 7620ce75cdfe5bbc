/// What sits at one path inside a product folder.
public enum ProductFileEntry: Sendable, Hashable {
    /// A regular file; `executable` when git records mode `100755` (or the working tree has an x bit).
    case regularFile(executable: Bool)
    /// A symbolic link and its target, exactly as stored (git mode `120000`).
    case symlink(target: String)
    case directory
    /// A git submodule (`160000`), which a product may never hold.
    case submodule
}

/// The files of one product folder, as the validator needs to see them.
///
/// The core implements this over a git tree (the version being registered or checked) or over the
/// working tree; `ProductFileList` is a ready-made listing over a dictionary.
public protocol ProductFileListing: Sendable {
    /// What is at `relativePath` (relative to the product folder, `/`-separated, no `.` or `..`
    /// components), or `nil` when nothing is. Symbolic links are reported, never followed.
    func entry(at relativePath: String) -> ProductFileEntry?
}

/// A product folder's listing held in memory: path relative to the product folder → entry.
///
/// Parent directories are implied by the paths below them and need not be listed.
public struct ProductFileList: ProductFileListing, Hashable {
    /// The entries by relative path.
    public var entries: [String: ProductFileEntry]

    /// A listing of exactly these entries.
    public init(_ entries: [String: ProductFileEntry]) { self.entries = entries }

    public func entry(at relativePath: String) -> ProductFileEntry? {
        if let entry = entries[relativePath] { return entry }
        let prefix = relativePath + "/"
        return entries.keys.contains(where: { $0.hasPrefix(prefix) }) ? .directory : nil
    }
}

/// Resolves a path inside a product folder through its symbolic links, never leaving the folder.
enum ProductPath {
    /// Where a path leads, or why it cannot be used.
    enum Resolution: Equatable {
        case found(path: String, entry: ProductFileEntry)
        case missing(path: String)
        case escapes(link: String, target: String)
        case absolute
        case climbs
        case loop(link: String)
    }

    /// Follows `path` component by component, following symbolic links lexically (as the sandbox
    /// would see them under `/product`) and refusing any that point outside the folder.
    static func resolve(_ path: String, in files: any ProductFileListing) -> Resolution {
        guard !path.hasPrefix("/") else { return .absolute }
        let start = path.split(separator: "/").map(String.init).filter { $0 != "." }
        guard !start.contains("..") else { return .climbs }
        var pending = start
        var resolved: [String] = []
        var hops = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." { continue }
            if component == ".." {
                guard !resolved.isEmpty else { return .escapes(link: resolved.joined(separator: "/"), target: "..") }
                resolved.removeLast()
                continue
            }
            let candidate = (resolved + [component]).joined(separator: "/")
            guard let entry = files.entry(at: candidate) else { return .missing(path: candidate) }
            if case .symlink(let target) = entry {
                hops += 1
                guard hops <= 16 else { return .loop(link: candidate) }
                guard !target.hasPrefix("/"), lexicallyInside(resolved, target) else {
                    return .escapes(link: candidate, target: target)
                }
                pending = target.split(separator: "/").map(String.init) + pending
                continue
            }
            resolved.append(component)
            if pending.isEmpty { return .found(path: candidate, entry: entry) }
        }
        return .found(path: "", entry: .directory)
    }

    /// Whether a relative link target, taken from the folder `base`, stays inside the product folder.
    private static func lexicallyInside(_ base: [String], _ target: String) -> Bool {
        var depth = base.count
        for component in target.split(separator: "/") {
            if component == ".." { depth -= 1 } else if component != "." { depth += 1 }
            if depth < 0 { return false }
        }
        return true
    }
}
