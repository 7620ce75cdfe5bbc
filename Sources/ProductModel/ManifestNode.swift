import Yams

/// A YAML node as the strict manifest reader consumes it: content, the line it starts on, and the
/// anchor and explicit tag the reader refuses.
///
/// Two parsers produce it: the subset parser (`ManifestYAMLSubset`) for the plain YAML manifests are
/// written in, and Yams for everything else, whose tree is converted. The reader sees the same tree
/// either way, so its messages do not depend on which parser ran.
struct ManifestNode: Equatable {
    enum Content: Equatable {
        /// Text, and whether it was written plain (unquoted, not a block scalar): only plain text
        /// can be a boolean, a number or empty.
        case scalar(String, plain: Bool)
        case mapping([Pair])
        case sequence([ManifestNode])
        /// An alias (`*name`), which the reader refuses.
        case alias
    }

    /// One key and its value, in the order written.
    struct Pair: Equatable {
        let key: ManifestNode
        let value: ManifestNode
    }

    let content: Content
    /// The line the node starts on, from 1.
    let line: Int?
    /// The anchor (`&name`) the node carries, if any.
    var anchor: String? = nil
    /// The tag the node was explicitly given (`!!str`), if any; quoted text's implicit `str` is none.
    var explicitTag: String? = nil

    /// The text of a scalar node.
    var text: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }
}

extension ManifestNode {
    /// The reader's view of a tree Yams composed.
    ///
    /// An anchored node's children are left out: the reader refuses the anchor without looking
    /// inside, and following aliases into them could expand a small file without bound.
    init(_ node: Node) {
        let anchor = node.anchor?.rawValue
        switch node {
        case .mapping(let mapping) where anchor != nil:
            self.init(content: .mapping([]), line: mapping.mark?.line)
        case .sequence(let sequence) where anchor != nil:
            self.init(content: .sequence([]), line: sequence.mark?.line)
        case .scalar(let scalar):
            self.init(content: .scalar(scalar.string, plain: scalar.style == .plain), line: scalar.mark?.line)
        case .mapping(let mapping):
            self.init(content: .mapping(mapping.map { Pair(key: .key($0.key), value: ManifestNode($0.value)) }),
                      line: mapping.mark?.line)
        case .sequence(let sequence):
            self.init(content: .sequence(sequence.map(ManifestNode.init)), line: sequence.mark?.line)
        case .alias(let alias):
            self.init(content: .alias, line: alias.mark?.line)
        }
        self.anchor = anchor
        explicitTag = Self.explicitTag(node)
    }

    /// A mapping key: Yams gives every key the tag it resolves while looking for duplicates, so a
    /// key's tag says nothing about what was written, and the reader does not check it.
    private static func key(_ node: Node) -> ManifestNode {
        var key = ManifestNode(node)
        key.explicitTag = nil
        return key
    }

    /// The tag a Yams node was explicitly given, if any; quoted scalars carry an implicit `str` tag.
    private static func explicitTag(_ node: Node) -> String? {
        let tag: String
        switch node {
        case .scalar(let scalar):
            tag = scalar.tag.description
            if tag.isEmpty || (scalar.style != .plain && tag == Tag.Name.str.rawValue) { return nil }
        case .mapping(let mapping): tag = mapping.tag.description
        case .sequence(let sequence): tag = sequence.tag.description
        case .alias: return nil
        }
        guard !tag.isEmpty else { return nil }
        return tag.hasPrefix("tag:yaml.org,2002:") ? "!!" + tag.dropFirst("tag:yaml.org,2002:".count) : tag
    }
}
