@testable import Catalog
import Foundation
import Testing
import TestSupport

/// The site's interface words come from one strings file per language: the shipped English and
/// Spanish files, and any `Languages/<tag>.json` a registry adds.
@Suite("Interface strings")
struct InterfaceStringsTests {
    private var french: [UInt8] {
        get throws { Array(try Data(contentsOf: packageRoot.appendingPathComponent("Tests/Fixtures/languages/fr.json"))) }
    }

    @Test("the shipped files parse, English has every word a page reads, and Spanish translates every one")
    func shippedFiles() throws {
        #expect(InterfaceStrings.builtIn.map(\.tag) == ["en", "es"])
        #expect(InterfaceStrings.knownKeys.count > 200, "English parsed: \(InterfaceStrings.knownKeys.count) keys")
        #expect(Set(InterfaceStrings.builtIn[1].entries.keys) == InterfaceStrings.knownKeys)
        let languages = SiteLanguage.all(adding: [])
        #expect(languages.map(\.tag) == ["en", "es"])
        #expect(languages[1].words.skipLink == "Saltar al contenido principal")
        #expect(languages[1].words.stateName(.lapsed) == "vencido (revisión de la junta atrasada)")
        #expect(languages[0].recordWords.coverage(TranslationCoverage(translated: 3, total: 7)) == "3 of 7 texts translated.")
        #expect(languages[0].recordWords.coverage(TranslationCoverage(translated: 7, total: 7)) == "All texts translated (7 of 7).",
                "a whole translation does not say part of it is left untranslated")
        #expect(languages[0].others.map(\.name) == ["Español"])
    }

    @Test("a registry's French file adds a language whose missing words fall back to English, marked as English")
    func registryLanguage() throws {
        let strings = try InterfaceStrings.parse(registryFile: try french, path: "Languages/fr.json")
        let languages = SiteLanguage.all(adding: [strings])
        #expect(languages.map(\.tag) == ["en", "es", "fr"])
        let french = languages[2]
        #expect(french.folder == "fr/")
        #expect(french.words.skipLink == "Aller au contenu principal")
        #expect(french.words.stateName(.approved) == "approuvé")
        #expect(french.words.navigation == LanguageMarks.english("Site"))
        #expect(languages[0].others.map(\.name) == ["Español", "Français"])
        #expect(CatalogLanguages.translated(adding: [strings]) == ["es", "fr"])
    }

    @Test("a strings file with an unknown key, markup, a bad tag or no language name is refused with one sentence naming the file and key")
    func refusals() throws {
        func refusal(_ json: String, path: String = "Languages/fr.json") -> String? {
            do {
                _ = try InterfaceStrings.parse(registryFile: Array(json.utf8), path: path)
                return nil
            } catch { return error.message }
        }
        #expect(refusal(#"{"site": {"languageName": "Français", "skipLnk": "Aller"}}"#)
                == "Languages/fr.json: unknown key 'site.skipLnk'; the keys are those of the English file listed in the README; correct the file and commit it again.")
        #expect(refusal(#"{"site": {"languageName": "Français", "skipLink": "<b>Aller</b>"}}"#)?.hasPrefix("Languages/fr.json: 'site.skipLink' contains '<'") == true)
        #expect(refusal(#"{"site": {"skipLink": "Aller"}}"#)?.contains("site.languageName is missing") == true)
        #expect(refusal(#"{"site": {"languageName": "Français"}}"#, path: "Languages/French.json")?.contains("'French' is not a language tag") == true)
        #expect(refusal("[]")?.contains("not a JSON object of sections") == true)
        #expect(refusal(#"{"site": {"languageName": 3}}"#)?.contains("'site.languageName' is not a non-empty text") == true)
        #expect(refusal(#"{"site": {"skipLink": "Saltar"}}"#, path: "Languages/es.json") == nil, "a shipped language may be reworded without a name")
    }

    @Test("marks become a lang=en span in text and are dropped in attributes, the title, SVG text and options")
    func marks() {
        let word = LanguageMarks.english("Site")
        let page = "<title>\(word) — x</title><nav aria-label=\"\(word)\"><p>\(word)</p><svg><text x=\"1\">\(word)</text><desc>\(word)</desc></svg><b>\(word)</b>"
        #expect(LanguageMarks.resolve(page) == "<title>Site — x</title><nav aria-label=\"Site\"><p><span lang=\"en\">Site</span></p><svg><text x=\"1\">Site</text><desc>Site</desc></svg><b><span lang=\"en\">Site</span></b>")
        #expect(LanguageMarks.resolve("<p>plain</p>") == "<p>plain</p>")
    }
}
