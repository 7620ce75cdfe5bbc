/// The web addresses a manifest cites as evidence, for `registry links`.
extension ProductManifest {
    /// Every address in the manifest with the key path that holds it, in manifest order: each
    /// impact assessment's `link` (whatever it holds), plus every `scheme:` address written in the
    /// owner's contact, the vendor's contract, the legal basis and the objection route.
    public var citedAddresses: [(keyPath: String, address: String)] {
        var found: [(String, String)] = impactAssessments.enumerated().map { ("impact_assessments[\($0.offset)].link", $0.element.link) }
        let texts: [(String, String?)] = [
            ("owner.contact", owner.contact), ("objection_route", objectionRoute),
            ("vendor.contract", vendor?.contract), ("legal_basis", legalBasis),
        ]
        for (keyPath, text) in texts {
            for address in Self.addresses(in: text ?? "") { found.append((keyPath, address)) }
        }
        return found
    }

    /// Words of `text` that are addresses with a scheme (`https://…`, `http://…`, `file:…`),
    /// trailing punctuation removed.
    static func addresses(in text: String) -> [String] {
        text.split(whereSeparator: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\"" }).compactMap { word in
            let trimmed = String(word).trimmingTrailing { ".,;:)]}'".contains($0) }
            let lowered = trimmed.lowercased()
            let schemes = ["http://", "https://", "file:", "ftp://"]
            return schemes.contains(where: { lowered.hasPrefix($0) }) && trimmed.count > 7 ? trimmed : nil
        }
    }
}

private extension String {
    func trimmingTrailing(where predicate: (Character) -> Bool) -> String {
        var result = self
        while let last = result.last, predicate(last) { result.removeLast() }
        return result
    }
}
