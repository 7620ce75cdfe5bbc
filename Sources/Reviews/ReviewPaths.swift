import ProductModel

/// Where review, keyring, policy and signature files live in a registry repository.
public enum ReviewPaths {
    /// The folder holding all review material.
    public static let root = "Reviews"
    /// The board's own folder (keyrings and policy parameters).
    public static let board = "Reviews/board"
    /// The file name of a board revocation inside a version folder.
    public static let boardRevocationName = "board.revocation"

    /// `Reviews/board/keyring.v0002`.
    public static func keyring(version: Int) -> String {
        "\(board)/keyring.v\(paddedVersion(version))"
    }

    /// Where proposed keyring versions wait for their signatures without taking effect.
    public static let proposals = "Reviews/board/proposals"

    /// `Reviews/board/proposals/keyring.v0003`: a proposed next keyring, signed into its `.sigs/`
    /// folder and moved into the chain by `registry board adopt` once both quorums have signed.
    public static func keyringProposal(version: Int) -> String {
        "\(proposals)/keyring.v\(paddedVersion(version))"
    }

    /// `Reviews/board/policy.v0001`.
    public static func policy(version: Int) -> String {
        "\(board)/policy.v\(paddedVersion(version))"
    }

    /// The detached signature of a single-signer statement: `<path>.sig`.
    public static func signature(of statementPath: String) -> String {
        statementPath + ".sig"
    }

    /// The folder of a multi-signer statement's signatures: `<path>.sigs`.
    public static func signatureFolder(of statementPath: String) -> String {
        statementPath + ".sigs"
    }

    /// One member's signature of a multi-signer statement: `<path>.sigs/<member>.sig`.
    public static func memberSignature(of statementPath: String, member: String) -> String {
        "\(signatureFolder(of: statementPath))/\(member).sig"
    }

    /// The folder holding all statements about a product.
    public static func product(_ product: ProductID) -> String {
        "\(root)/\(product.rawValue)"
    }

    /// `Reviews/<product-id>/<version>/<member>.<decision>`.
    public static func statement(product: ProductID, version: String, member: String,
                                 decision: ReviewStatement.Decision) -> String {
        "\(root)/\(product.rawValue)/\(version)/\(member).\(decision.rawValue)"
    }

    /// `Reviews/<product-id>/<version>/board.revocation`.
    public static func boardRevocation(product: ProductID, version: String) -> String {
        "\(root)/\(product.rawValue)/\(version)/\(boardRevocationName)"
    }

    /// The version number in `keyring.v0002` or `policy.v0002` (after `prefix`), or nil when not canonical.
    public static func versionNumber(fileName: Substring, prefix: String) -> Int? {
        guard fileName.hasPrefix(prefix) else { return nil }
        let digits = fileName.dropFirst(prefix.count)
        guard let number = Int(digits), number >= 1, paddedVersion(number) == digits else { return nil }
        return number
    }

    /// Versions are written with at least four digits so file listings sort in order.
    static func paddedVersion(_ version: Int) -> String {
        let text = String(version)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}

/// A file's repository-relative path and exact bytes, as read from a git tree.
public struct RepositoryFile: Sendable, Hashable {
    /// The path from the repository root, `/`-separated.
    public let path: String
    /// The file's exact bytes.
    public let bytes: [UInt8]

    /// Pairs a path with bytes.
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}
