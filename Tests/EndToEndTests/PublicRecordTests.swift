import Foundation
import Testing
import TestSupport

/// What a member of the public reads in the record: the manifest format, how to object or appeal,
/// where to report an error, and every text in Spanish with untranslated text marked as English.
@Suite("Public record")
struct PublicRecordTests {
    /// The example registry (every product in format 1, every text in Spanish, objection routes
    /// where required) with calls-for-service-triage as registered before format 1 existed: no
    /// format, no objection route, and only its name, summary and purpose in Spanish, committed.
    private func registryWithPreFormatTriage() throws -> FixtureRegistry {
        let registry = try FixtureRegistry.cloneOfExamples()
        try setManifest(registry, "calls-for-service-triage") { text in
            var lines = text.components(separatedBy: "\n").filter { $0 != "format: analytics-registry-product/1" }
            // The route and the Spanish texts added with format 1: each key's line and the lines indented under it.
            for key in ["objection_route: >-", "    objection_route: >-", "    decision_use: >-", "    human_oversight: >-",
                        "    legal_basis: >-", "    risks:", "    data_sources:"] {
                let start = try #require(lines.firstIndex(of: key))
                let body = String(repeating: " ", count: key.prefix { $0 == " " }.count + 2)
                let end = lines[(start + 1)...].firstIndex { !$0.hasPrefix(body) } ?? lines.endIndex
                lines.removeSubrange(start..<end)
            }
            return lines.joined(separator: "\n")
        }
        try registry.git("commit", "-q", "-am", "calls-for-service-triage as before format 1")
        return registry
    }

    /// A catalog built into a new folder, read file by file.
    private struct BuiltCatalog {
        let url: URL
        let remove: () -> Void
        func file(_ path: String) throws -> String { try String(contentsOf: url.appendingPathComponent(path), encoding: .utf8) }
    }

    /// The catalog of `registry`'s HEAD for the day the fixtures speak for.
    private func builtCatalog(_ registry: FixtureRegistry) throws -> BuiltCatalog {
        let site = try makeTemporaryDirectory("public-record-site")
        let build = try registry.registry("catalog", "build", "--out", site.url.path, "--as-of", "2026-11-25")
        #expect(build.status == 0, "\(build.stderr)")
        return BuiltCatalog(url: site.url, remove: site.remove)
    }

    private func setManifest(_ registry: FixtureRegistry, _ id: String, _ edit: (String) throws -> String) throws {
        let url = registry.url.appendingPathComponent("Products/\(id)/product.yaml")
        try Data(edit(try String(contentsOf: url, encoding: .utf8)).utf8).write(to: url)
    }

    @Test("validate notes a missing format and untranslated text without failing; an unknown format or, in format 1, a missing objection route fails with one sentence")
    func validateFormatAndObjection() throws {
        let registry = try registryWithPreFormatTriage()
        defer { registry.remove() }

        let valid = try registry.registry("validate")
        #expect(valid.status == 0, "\(valid.stdout)\(valid.stderr)")
        #expect(valid.stdout.contains("note: Products/calls-for-service-triage/product.yaml:2: the manifest does not say its format; add 'format: analytics-registry-product/1' as its first key."), "\(valid.stdout)")
        #expect(valid.stdout.contains("7 texts are not translated into 'es' (decision_use, human_oversight, legal_basis, risks[0], risks[1], risks[2], data_sources.soc-call-log.name)"), "\(valid.stdout)")
        #expect(valid.stdout.contains("says no route for objection or appeal; add objection_route when you next register it"))
        let notes = valid.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("  note:") }
        #expect(notes.count == 3 && notes.allSatisfy { $0.contains("Products/calls-for-service-triage/") },
                "every other example product is in format 1 and fully translated, with nothing to note: \(notes)")

        try setManifest(registry, "calls-for-service-triage") { "format: analytics-registry-product/1\n" + $0 }
        let noRoute = try registry.registry("validate", "calls-for-service-triage")
        #expect(noRoute.status == 1)
        #expect(noRoute.stdout.contains("Products/calls-for-service-triage/product.yaml:1 (key 'objection_route'): the product is in use and directs deployment but says no route for objection or appeal; add objection_route: whom a member of the public writes to, by when, and who decides."), "\(noRoute.stdout)")

        try setManifest(registry, "station-incident-hotspots") {
            $0.replacingOccurrences(of: "format: analytics-registry-product/1", with: "format: analytics-registry-product/7")
        }
        let unknown = try registry.registry("validate", "station-incident-hotspots", "--json")
        #expect(unknown.status == 1)
        #expect(unknown.stdout.contains("(key 'format'): the format 'analytics-registry-product/7' is not one this registry reads; write 'format: analytics-registry-product/1', or install a registry release that reads 'analytics-registry-product/7'."), "\(unknown.stdout)")
    }

    @Test("an index left by a release that read fewer manifest keys is rebuilt once, so the new keys reach the catalog")
    func indexFromAnEarlierRelease() throws {
        let registry = try registryWithPreFormatTriage()
        defer { registry.remove() }
        #expect(try registry.registry("list").status == 0)
        struct Report: Decodable { let products_reindexed: [String] }
        func reindexed() throws -> [String] {
            let result = try registry.registry("index", "--json")
            #expect(result.status == 0, "\(result.stderr)")
            return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)).products_reindexed
        }
        #expect(try reindexed().isEmpty, "an up-to-date index is left alone")
        // An earlier release left no record of the keys it read.
        try FileManager.default.removeItem(at: registry.url.appendingPathComponent(".registry/index-manifest-model"))
        #expect(try reindexed().contains("station-incident-hotspots"))
        #expect(try reindexed().isEmpty, "once")
    }

    @Test("product pages show the objection route, the owner's contact and where to report an error in both languages; Spanish pages mark untranslated text lang=en and show coverage")
    func pagesInBothLanguages() throws {
        let registry = try registryWithPreFormatTriage()
        defer { registry.remove() }
        let site = try builtCatalog(registry)
        defer { site.remove() }
        let file = site.file

        let english = try file("products/station-incident-hotspots.html")
        #expect(english.contains("<h2 id=\"h-objection\">How to object or appeal</h2>"))
        #expect(english.contains("Anyone who believes a posting based on this table affected them unfairly"))
        #expect(english.contains("<a href=\"mailto:safety-analytics@transit.example.org\">safety-analytics@transit.example.org</a>"))
        #expect(english.contains("mailto:registry-corrections@transit.example.org?subject="), "the registry's corrections contact, not its general one")
        #expect(!(english.components(separatedBy: "<main").last ?? "").contains("lang=\"en\""), "English pages need no language marks")

        let spanish = try file("es/products/station-incident-hotspots.html")
        #expect(spanish.contains("<h2 id=\"h-objection\">Cómo oponerse o recurrir</h2>"))
        #expect(spanish.contains("Quien crea que una asignación basada en esta tabla le afectó injustamente"))
        #expect(spanish.contains("El planificador de despliegue de la Policía de Tránsito"))
        #expect(spanish.contains("Exportación de informes de incidentes de seguridad"))
        #expect(spanish.contains("Los recuentos semanales pequeños podrían identificar"))
        #expect(spanish.contains("Todos los textos traducidos (11 de 11)"), "\(spanish)")
        #expect(spanish.contains("Registro de Análisis de Seguridad Pública"))
        #expect(spanish.contains("mailto:registry-corrections@transit.example.org?subject="))
        let main = try #require(spanish.components(separatedBy: "<main").last)
        #expect(!main.contains("lang=\"en\""), "a fully translated product has no English text: \(main)")

        // A product partly translated: its English text is marked, and its coverage says how much is Spanish.
        let partial = try file("es/products/calls-for-service-triage.html")
        #expect(partial.contains("<section aria-labelledby=\"h-decision_use\"><h2 id=\"h-decision_use\">"))
        #expect(partial.contains("<div lang=\"en\"><p>"), "untranslated prose is marked as English")
        #expect(partial.contains("<span lang=\"en\">"), "untranslated table text is marked as English")
        #expect(partial.range(of: #"[0-9]+ de [0-9]+ textos traducidos; el resto se muestra en inglés\."#, options: .regularExpression) != nil)
        #expect(partial.contains("El registro no indica una vía de oposición o recurso"))

        let feed = try file("feed.xml")
        #expect(feed.contains("<subtitle>Report an error in the record to registry-corrections@transit.example.org</subtitle>"))
        let catalog = try file("catalog.json")
        #expect(catalog.contains("\"corrections_contact\":\"registry-corrections@transit.example.org\""))
        #expect(catalog.contains("\"format\":\"analytics-registry-product/1\""))
        #expect(catalog.contains("\"objection_route\":\"Anyone who believes"))
        #expect(catalog.contains("\"translation_coverage\":{\"es\":{\"total\":11,\"translated\":11}}"))
    }

    @Test("a registry adds French with one Languages/fr.json and no Swift change: French pages use its words, fall back to English marked lang=en, validate notes text not translated into French, and an unknown key is refused in one sentence")
    func thirdLanguage() throws {
        let registry = try registryWithPreFormatTriage()
        defer { registry.remove() }
        let languages = registry.url.appendingPathComponent("Languages")
        try FileManager.default.createDirectory(at: languages, withIntermediateDirectories: true)
        let french = languages.appendingPathComponent("fr.json")
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Tests/Fixtures/languages/fr.json"), to: french)
        try registry.git("add", "Languages")
        try registry.git("commit", "-q", "-m", "French pages")
        let site = try builtCatalog(registry)
        defer { site.remove() }
        let file = site.file

        let index = try file("fr/index.html")
        #expect(index.contains("<html lang=\"fr\">"))
        #expect(index.contains("<a class=\"skip-link\" href=\"#main\">Aller au contenu principal</a>"))
        #expect(index.contains("<h2 id=\"h-indicators\">Indicateurs clés"))
        #expect(index.contains("<h2 id=\"h-charts\"><span lang=\"en\">Summary charts</span></h2>"), "a word French lacks is English, marked")
        #expect(index.contains("<nav aria-label=\"Site\">"), "no mark inside an attribute")
        #expect(index.contains("<a href=\"../es/index.html\" hreflang=\"es\" lang=\"es\">Español</a>"))
        #expect(try file("index.html").contains("<a href=\"fr/index.html\" hreflang=\"fr\" lang=\"fr\">Français</a>"))
        #expect(try file("es/index.html").contains("<a href=\"../fr/index.html\" hreflang=\"fr\" lang=\"fr\">Français</a>"))

        let product = try file("fr/products/station-incident-hotspots.html")
        #expect(product.contains("<h2 id=\"h-objection\">Comment s'opposer ou faire appel</h2>"), "\(product)")
        #expect(product.contains("<div lang=\"en\"><p>Anyone who believes a posting"), "manifest text without a French translation is marked English")
        #expect(product.contains("0 of 11 texts translated."), "French coverage, in English as French has no word for it")
        #expect(try file("catalog.json").contains("\"translation_coverage\":{\"es\":{\"total\":11,\"translated\":11},\"fr\":{\"total\":11,\"translated\":0}}"))

        let valid = try registry.registry("validate", "station-incident-hotspots")
        #expect(valid.status == 0, "\(valid.stdout)\(valid.stderr)")
        #expect(valid.stdout.contains("not translated into 'fr'"), "\(valid.stdout)")
        #expect(!valid.stdout.contains("not translated into 'es'"), "\(valid.stdout)")

        try Data(#"{"site": {"languageName": "Français", "skipLnk": "Aller"}}"#.utf8).write(to: french)
        let sentence = "Languages/fr.json: unknown key 'site.skipLnk'; the keys are those of the English file listed in the README; correct the file and commit it again."
        let invalid = try registry.registry("validate", "station-incident-hotspots")
        #expect(invalid.status == 1)
        #expect(invalid.stdout.contains(sentence), "\(invalid.stdout)")
        try registry.git("commit", "-q", "-am", "a misspelt key")
        let refused = try registry.registry("catalog", "build", "--out", site.url.path, "--as-of", "2026-11-25")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(sentence), "\(refused.stderr)")
        #expect(try file("fr/index.html") == index, "the published site is left as it was")
    }
}
