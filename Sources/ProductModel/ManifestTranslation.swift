/// Which people-facing texts of a manifest a translation covers.
extension ProductManifest {
    /// Every free-text key path a translation can carry, in manifest order, with whether the
    /// translation into `language` carries it. Withheld top-level fields are left out: the
    /// catalog never shows them, so they need no translation.
    public func translatableKeyPaths(in language: String) -> [(keyPath: String, translated: Bool)] {
        let translation = translations[language] ?? Translation()
        let withheldKeys = Set(publication.withheld.map(\.field))
        var paths: [(String, Bool)] = [
            ("name", translation.name != nil), ("summary", translation.summary != nil),
            ("purpose", translation.purpose != nil), ("decision_use", translation.decisionUse != nil),
            ("human_oversight", translation.humanOversight != nil),
        ]
        if objectionRoute != nil { paths.append(("objection_route", translation.objectionRoute != nil)) }
        paths.append(("legal_basis", translation.legalBasis != nil))
        for index in risks.indices {
            paths.append(("risks[\(index)]", (translation.risks?.count ?? 0) > index))
        }
        for source in dataSources {
            paths.append(("data_sources.\(source.id).name", translation.dataSources?[source.id] != nil))
        }
        for field in demographicFields {
            paths.append(("demographic_fields.\(field.field).justification", translation.demographicFields?[field.field] != nil))
        }
        for field in publication.withheld {
            paths.append(("public.withheld.\(field.field).reason", translation.withheld?[field.field] != nil))
        }
        return paths.filter { path, _ in
            !withheldKeys.contains(String(path.prefix { $0 != "." && $0 != "[" }))
        }
    }

    /// The key paths of free text not yet translated into `language`.
    public func untranslatedKeyPaths(in language: String) -> [String] {
        translatableKeyPaths(in: language).filter { !$0.translated }.map(\.keyPath)
    }
}
