/// The chrome every page shares: head with the strict Content-Security-Policy, skip link,
/// banner with navigation and language switch, main landmark and footer.
struct PageLayout {
    /// The page's path relative to its language's root (`products/x.html`).
    let path: String
    let language: SiteLanguage
    let registry: RegistryInfo
    /// Stored rather than computed: pages read it hundreds of times.
    let words: SiteWords

    init(path: String, language: SiteLanguage, registry: RegistryInfo) {
        self.path = path; self.language = language; self.registry = registry; self.words = language.words
    }

    /// Nothing may load from another host, and no inline script or style can run.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'"

    /// `../` repeated to reach the site root from this page.
    var toSiteRoot: String {
        String(repeating: "../", count: path.filter { $0 == "/" }.count + (language.isEnglish ? 0 : 1))
    }

    /// `../` repeated to reach this language's root.
    var toLanguageRoot: String {
        String(repeating: "../", count: path.filter { $0 == "/" }.count)
    }

    /// The same page in the language `tag`.
    func href(in tag: String) -> String {
        toSiteRoot + SiteLanguage.folder(of: tag) + path
    }

    /// The file's path relative to the site root.
    var filePath: String { language.folder + path }

    /// Wraps a page body in the shared chrome; `feed` is a page's own Atom feed (relative to the
    /// site root), announced beside the site's.
    func page(title: String, body: String, script: Bool = false, feed: String? = nil) -> String {
        var out = ""
        out.reserveCapacity(body.utf8.count + 2048)
        out += "<!DOCTYPE html>\n<html lang=\"\(language.tag)\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<meta http-equiv=\"Content-Security-Policy\" content=\"\(Self.contentSecurityPolicy)\">\n"
        out += "<meta name=\"referrer\" content=\"no-referrer\">\n"
        out += "<title>\(HTML.escape(title)) — \(HTML.escape(registry.title(in: language).text))</title>\n"
        out += "<link rel=\"stylesheet\" href=\"\(toSiteRoot)assets/catalog.css\">\n"
        for other in language.others { out += "<link rel=\"alternate\" hreflang=\"\(other.tag)\" href=\"\(href(in: other.tag))\">\n" }
        out += "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Atom\" href=\"\(toSiteRoot)feed.xml\">\n"
        if let feed { out += "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Atom: \(HTML.escape(title))\" href=\"\(toSiteRoot)\(feed)\">\n" }
        if script { out += "<script src=\"\(toSiteRoot)assets/catalog.js\" defer></script>\n" }
        out += "</head>\n<body>\n<a class=\"skip-link\" href=\"#main\">\(words.skipLink)</a>\n"
        out += "<header class=\"site-header\">\n<p class=\"site-title\"><a href=\"\(toLanguageRoot)index.html\">\(registry.title(in: language).inline)</a></p>\n"
        out += "<p class=\"site-agency\">\(registry.agency(in: language).inline)</p>\n"
        out += "<nav aria-label=\"\(words.navigation)\"><ul>"
        out += "<li><a href=\"\(toLanguageRoot)index.html\">\(words.productsNav)</a></li>"
        out += "<li><a href=\"\(toLanguageRoot)allegations.html\">\(words.allegationsNav)</a></li>"
        out += "<li><a href=\"\(toLanguageRoot)verify.html\">\(words.verifyNav)</a></li>"
        out += "<li><a href=\"\(toLanguageRoot)index.html#data\">\(words.dataNav)</a></li>"
        for other in language.others {
            out += "<li><a href=\"\(href(in: other.tag))\" hreflang=\"\(other.tag)\" lang=\"\(other.tag)\">\(other.name)</a></li>"
        }
        out += "</ul></nav>\n</header>\n<main id=\"main\" tabindex=\"-1\">\n"
        out += body
        out += "</main>\n<footer class=\"site-footer\">\n<p>\(words.contact): <a href=\"mailto:\(HTML.escape(registry.contactEmail))\">\(HTML.escape(registry.contactEmail))</a></p>\n"
        out += "<p><a href=\"\(toSiteRoot)catalog.json\">catalog.json</a> · <a href=\"\(toSiteRoot)catalog.csv\">catalog.csv</a> · <a href=\"\(toSiteRoot)feed.xml\">Atom</a></p>\n"
        out += "</footer>\n</body>\n</html>\n"
        return LanguageMarks.resolve(out)
    }
}

/// Small reusable fragments of markup.
enum Markup {
    /// A table with a caption, column headers with scope, and rows whose first cell is a row header.
    static func table(caption: String, headers: [String], rows: [[String]], rowHeader: Bool = true,
                      className: String? = nil) -> String {
        // Focusable and labelled, so keyboard users can scroll a table wider than the screen.
        var out = "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"\(plainText(caption))\">"
        out += "<table\(className.map { " class=\"\($0)\"" } ?? "")>"
        out += "<caption>\(caption)</caption><thead><tr>"
        for header in headers { out += "<th scope=\"col\">\(header)</th>" }
        out += "</tr></thead><tbody>"
        for row in rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                out += index == 0 && rowHeader ? "<th scope=\"row\">\(cell)</th>" : "<td>\(cell)</td>"
            }
            out += "</tr>"
        }
        out += "</tbody></table></div>\n"
        return out
    }

    /// Escaped markup reduced to its text, for an attribute value (tags dropped, entities kept).
    static func plainText(_ markup: String) -> String {
        var out = ""
        var inTag = false
        for character in markup {
            if character == "<" { inTag = true } else if character == ">" { inTag = false } else if !inTag { out.append(character) }
        }
        return out
    }

    /// A description list of already-escaped term and value pairs.
    static func facts(_ pairs: [(String, String)]) -> String {
        "<dl class=\"facts\">" + pairs.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>\n"
    }

    /// A monospace value that may wrap (digests, commits).
    static func code(_ text: String) -> String { "<code class=\"digest\">\(HTML.escape(text))</code>" }
}
