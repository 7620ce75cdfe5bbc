internal import CLibgit2
import Foundation
import RegistrySupport

/// The kind of git object an id names, so commit, tree and blob ids cannot be mixed up.
public protocol GitObjectKind: Sendable {
    /// The word git uses for the kind, for messages.
    static var name: String { get }
}

/// Marks ids of commits.
public enum CommitObject: GitObjectKind {
    public static let name = "commit"
}

/// Marks ids of trees.
public enum TreeObject: GitObjectKind {
    public static let name = "tree"
}

/// Marks ids of blobs (file contents).
public enum BlobObject: GitObjectKind {
    public static let name = "blob"
}

/// The id of a git commit.
public typealias CommitID = GitObjectID<CommitObject>
/// The id of a git tree, such as the tree of `Products/<id>` that identifies a product version.
public typealias TreeID = GitObjectID<TreeObject>
/// The id of a git blob.
public typealias BlobID = GitObjectID<BlobObject>

/// A git object id of one kind: 40 lowercase hexadecimal digits.
public struct GitObjectID<Kind: GitObjectKind>: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The full hexadecimal id.
    public let hex: String

    /// Accepts a full 40-digit hexadecimal id in either case; returns nil for anything else.
    public init?(hex: String) {
        let lower = hex.lowercased()
        guard lower.utf8.count == 40,
              lower.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        self.hex = lower
    }

    init(_ oid: git_oid) {
        hex = withUnsafeBytes(of: oid.id) { $0.hexString }
    }

    /// The libgit2 form of the id; `hex` was validated on the way in, so parsing cannot fail.
    var oid: git_oid {
        var oid = git_oid()
        _ = git_oid_fromstrn(&oid, hex, hex.utf8.count)
        return oid
    }

    /// The first seven digits, as git shows them to people.
    public var short: String { String(hex.prefix(7)) }

    /// The full hexadecimal id, as git prints it.
    public var description: String { hex }

    /// Orders ids by their hexadecimal text, for stable listings.
    public static func < (lhs: GitObjectID, rhs: GitObjectID) -> Bool { lhs.hex < rhs.hex }

    /// Decodes the hexadecimal text form, rejecting anything that is not a full id.
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = GitObjectID(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not a 40-digit \(Kind.name) id"))
        }
        self = id
    }

    /// Encodes the hexadecimal text form.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

extension git_oid {
    /// Whether two libgit2 ids are the same object.
    func same(as other: git_oid) -> Bool {
        var lhs = self, rhs = other
        return git_oid_equal(&lhs, &rhs) != 0
    }
}
