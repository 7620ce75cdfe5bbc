import Foundation
import ProductModel
import RegistrySupport
import TestSupport
import Testing

@Suite("Product template")
struct ProductTemplateTests {
    private let id = ProductID("platform-crowding-watch")!
    private let today = CalendarDate(year: 2026, month: 11, day: 25)

    private func files(_ language: ProductTemplate.Language) -> [String: ProductTemplate.File] {
        Dictionary(uniqueKeysWithValues: ProductTemplate.files(for: id, language: language, today: today).map { ($0.path, $0) })
    }

    @Test("the generated manifest decodes and validates against the generated files", arguments: ProductTemplate.Language.allCases)
    func validates(_ language: ProductTemplate.Language) throws {
        let files = files(language)
        let manifestFile = try #require(files["product.yaml"])
        #expect(manifestFile.content.hasPrefix("# yaml-language-server: $schema=../../Schemas/product.schema.json\n"))
        let document = try ManifestDecoder.decodeDocument(Array(manifestFile.content.utf8), file: "Products/\(id)/product.yaml")
        let listing = ProductFileList(files.mapValues { .regularFile(executable: $0.executable) })
        try ManifestValidator(files: listing).validate(document)
        #expect(document.manifest.id == id)
        #expect(document.manifest.reviewDue == CalendarDate(year: 2027, month: 11, day: 25))
        #expect(document.manifest.run.command == [language == .python ? "./main.py" : "./main.sh"])
        #expect(files[document.manifest.run.command[0].replacing("./", with: "")]?.executable == true)
        let entryFiles: Set<String> = language == .python ? ["main.py", "requirements.lock"] : ["main.sh"]
        #expect(Set(files.keys) == entryFiles.union(["product.yaml", "README.md", "samples/incidents.csv"]))
    }

    @Test("the Python template pins pandas and each dependency with a hash, in a lock the registry accepts")
    func pythonLock() throws {
        let lockFile = try #require(files(.python)["requirements.lock"])
        let lock = try DependencyLock.parse(Data(lockFile.content.utf8), fileName: "requirements.lock", displayPath: "requirements.lock")
        #expect(lock.requirements.map(\.name) == ["numpy", "pandas", "python-dateutil", "pytz", "tzdata"])
        #expect(lock.requirements.first { $0.name == "pandas" }?.version == "2.2.3")
        #expect(lock.requirements.allSatisfy { $0.hashes.count == 1 })
        #expect(try #require(files(.python)["main.py"]).content.contains("import pandas"))
    }

    // The Python entry point needs pandas, which only its built environment has: the end-to-end
    // environment tests run it inside the sandbox and compare the same output.
    @Test("the entry point writes the declared aggregate with small counts left out", arguments: [ProductTemplate.Language.shell])
    func entryPointRuns(_ language: ProductTemplate.Language) throws {
        let directory = try makeTemporaryDirectory("template")
        defer { directory.remove() }
        let files = files(language)
        for file in files.values { try writeFile(file.content, to: file.path, in: directory.url) }
        let input = directory.url.appendingPathComponent("input"), output = directory.url.appendingPathComponent("output")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try writeFile(try #require(files["samples/incidents.csv"]).content, to: "incidents.csv", in: input)
        let program = language == .python ? "/usr/bin/python3" : "/bin/sh"
        let result = try runProcess(program, [language == .python ? "main.py" : "main.sh"], in: directory.url,
                                    environment: ["PATH": "/usr/bin:/bin", "REGISTRY_INPUT": input.path, "REGISTRY_OUTPUT": output.path])
        #expect(result.status == 0, "\(result.stderr)")
        let written = try String(contentsOf: output.appendingPathComponent("station_counts.csv"), encoding: .utf8)
        #expect(written == """
            station_id,incident_week,incident_count
            STN-014,2026-W14,14
            STN-014,2026-W15,12
            STN-022,2026-W15,11
            STN-031,2026-W15,16

            """)
    }

    @Test("the commented withheld example carries a fresh salt and validates once uncommented")
    func withheldExampleHasFreshSalt() throws {
        let first = try #require(files(.python)["product.yaml"]).content
        let second = try #require(files(.python)["product.yaml"]).content
        #expect(first != second, "every new product gets its own salt")
        let start = try #require(first.range(of: "# public:\n"))
        let uncommented = first[..<start.lowerBound] + first[start.lowerBound...].split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("# ") ? String($0.dropFirst(2)) : String($0) }.joined(separator: "\n")
        let document = try ManifestDecoder.decodeDocument(Array(uncommented.utf8), file: "Products/\(id)/product.yaml")
        let listing = ProductFileList(files(.python).mapValues { .regularFile(executable: $0.executable) })
        try ManifestValidator(files: listing).validate(document)
        let salt = try #require(document.manifest.publication.withheld.first?.salt)
        #expect(WithheldCommitment.isSalt(salt))
    }

    @Test("a leap day's review falls due on the last day of February")
    func leapDay() throws {
        let manifest = try #require(ProductTemplate.files(for: id, language: .shell, today: CalendarDate(year: 2028, month: 2, day: 29))
            .first { $0.path == "product.yaml" })
        #expect(try ManifestDecoder.decode(Array(manifest.content.utf8), file: "product.yaml").reviewDue
            == CalendarDate(year: 2029, month: 2, day: 28))
    }
}
