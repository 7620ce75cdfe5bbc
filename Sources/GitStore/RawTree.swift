internal import CLibgit2
import Foundation

/// A tree object's bytes as git stores them (`<octal mode> <name>\0<20-byte id>`, repeated, in git's
/// tree order), read from the object database without libgit2 parsing it into entry objects.
///
/// A history walk compares the 1,000-entry `Products` tree of every commit with its parent's, where
/// only one entry or two differ: walking both byte strings side by side, as git's own tree diff
/// does, skips the parsing and per-entry calls of `git_tree_lookup` for every commit.
final class RawTree {
    /// The tree's id.
    let id: git_oid
    private let object: OpaquePointer
    /// The tree's content, owned by `object`.
    let bytes: UnsafeRawBufferPointer

    init(reading id: git_oid, from odb: OpaquePointer) throws {
        var oid = id
        var object: OpaquePointer?
        try check(git_odb_read(&object, odb, &oid), "reading tree \(TreeID(id).hex)")
        guard let object else { throw GitError.library(-1, while: "reading tree \(TreeID(id).hex)") }
        guard git_odb_object_type(object) == GIT_OBJECT_TREE else {
            git_odb_object_free(object)
            throw GitError(.library, .environment,
                           "Git object \(TreeID(id).hex) is not a tree where a tree was expected; check that the repository is intact (git fsck).")
        }
        self.id = id
        self.object = object
        let size = git_odb_object_size(object)
        bytes = UnsafeRawBufferPointer(start: git_odb_object_data(object), count: size)
    }

    deinit { git_odb_object_free(object) }

    /// The entries in stored order. Each entry's bytes stay valid while this tree is alive.
    var entries: Entries { Entries(bytes: bytes, tree: id) }

    /// The entry named `name`, if any.
    func entry(named name: String) throws -> RawTreeEntry? {
        var entries = entries
        while let entry = try entries.next() {
            if entry.name.elementsEqual(name.utf8) { return entry }
        }
        return nil
    }

    /// Walks a tree's entries; a malformed tree throws rather than being read past its end.
    struct Entries {
        let bytes: UnsafeRawBufferPointer
        let tree: git_oid
        var offset = 0

        init(bytes: UnsafeRawBufferPointer, tree: git_oid) {
            self.bytes = bytes
            self.tree = tree
        }

        /// The next entry, or nil at the end.
        mutating func next() throws -> RawTreeEntry? {
            guard offset < bytes.count else { return nil }
            let start = offset
            var mode: UInt32 = 0
            var index = start
            while index < bytes.count, bytes[index] != UInt8(ascii: " ") {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 8 else { throw malformed() }
                mode = mode << 3 | UInt32(digit)
                index += 1
            }
            let nameStart = index + 1
            guard index > start, nameStart < bytes.count,
                  let nul = memchr(bytes.baseAddress! + nameStart, 0, bytes.count - nameStart) else { throw malformed() }
            let nameEnd = UnsafeRawPointer(nul) - bytes.baseAddress!
            let idEnd = nameEnd + 1 + Int(GIT_OID_RAWSZ)
            guard nameEnd > nameStart, idEnd <= bytes.count else { throw malformed() }
            offset = idEnd
            return RawTreeEntry(mode: mode, name: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd]),
                                idBytes: UnsafeRawBufferPointer(rebasing: bytes[(nameEnd + 1)..<idEnd]),
                                record: UnsafeRawBufferPointer(rebasing: bytes[start..<idEnd]))
        }

        private func malformed() -> GitError {
            GitError(.library, .environment,
                     "Git tree \(TreeID(tree).hex) is malformed near byte \(offset); check that the repository is intact (git fsck).")
        }
    }
}

/// One entry of a `RawTree`, pointing into the tree's bytes.
struct RawTreeEntry {
    /// The mode as stored (octal digits read as a number), such as 0o40000 for a folder.
    let mode: UInt32
    /// The name's bytes, without the terminating NUL.
    let name: UnsafeRawBufferPointer
    /// The 20 bytes of the object id.
    let idBytes: UnsafeRawBufferPointer
    /// The whole stored entry: mode, name and id. Two entries with equal records are the same entry.
    let record: UnsafeRawBufferPointer

    /// Whether the entry is a folder (a tree), as git reads the mode.
    var isTree: Bool { mode & 0o170000 == 0o040000 }

    /// The name as a string.
    var nameString: String { String(decoding: name, as: UTF8.self) }

    /// The object id.
    var id: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { $0.copyMemory(from: idBytes) }
        return oid
    }

    /// git's order of two entries: bytewise by name, a folder's name read as ending in "/".
    static func order(_ lhs: RawTreeEntry, _ rhs: RawTreeEntry) -> Int {
        let common = min(lhs.name.count, rhs.name.count)
        let compared = memcmp(lhs.name.baseAddress!, rhs.name.baseAddress!, common)
        if compared != 0 { return compared < 0 ? -1 : 1 }
        let left: UInt8 = lhs.name.count > common ? lhs.name[common] : (lhs.isTree ? UInt8(ascii: "/") : 0)
        let right: UInt8 = rhs.name.count > common ? rhs.name[common] : (rhs.isTree ? UInt8(ascii: "/") : 0)
        if left != right { return left < right ? -1 : 1 }
        // Equal up to here: same name, and either both folders or both not, or one name continues
        // with "/" where the other folder's implied "/" stands (which git never stores).
        return lhs.name.count == rhs.name.count ? 0 : (lhs.name.count < rhs.name.count ? -1 : 1)
    }
}

extension RawTree {
    /// The folders that differ between two versions of a tree (nil: the tree is absent), with their
    /// id in `new` (nil when the folder is gone from it): a folder added, changed, or replaced.
    /// Entries that are not folders in `new` are not reported; a folder that became a file is
    /// reported as gone.
    static func changedFolders(from old: RawTree?, to new: RawTree?) throws -> [(String, TreeID?)] {
        var changes: [(String, TreeID?)] = []
        var newEntries = new?.entries
        var oldEntries = old?.entries
        var newEntry = try newEntries?.next()
        var oldEntry = try oldEntries?.next()
        while newEntry != nil || oldEntry != nil {
            let order: Int
            switch (newEntry, oldEntry) {
            case let (new?, old?):
                // Most entries are unchanged from one commit to the next: equal stored bytes settle
                // those before git's order is worked out.
                if new.record.count == old.record.count,
                   memcmp(new.record.baseAddress!, old.record.baseAddress!, new.record.count) == 0 {
                    newEntry = try newEntries?.next()
                    oldEntry = try oldEntries?.next()
                    continue
                }
                order = RawTreeEntry.order(new, old)
            case (_?, nil): order = -1
            default: order = 1
            }
            if order <= 0, let new = newEntry {
                // A new name, or the same name with another id or mode; the same id and mode spelt
                // differently ("040000" for "40000", which old tools wrote) is no change, as for git.
                let unchanged = order == 0 && oldEntry.map {
                    $0.mode == new.mode && memcmp($0.idBytes.baseAddress!, new.idBytes.baseAddress!, new.idBytes.count) == 0
                } == true
                if new.isTree, !unchanged { changes.append((new.nameString, TreeID(new.id))) }
                newEntry = try newEntries?.next()
                if order == 0 { oldEntry = try oldEntries?.next() }
            } else if let old = oldEntry {
                if old.isTree { changes.append((old.nameString, nil)) }
                oldEntry = try oldEntries?.next()
            }
        }
        return changes
    }
}
