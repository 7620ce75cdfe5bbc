import Foundation
import Testing
import TestSupport

/// Bad input of every kind through the built binary, as an attacker or a careless user would give
/// it: each ends with exit status 1 (findings, bad content) or 2 (usage, environment) and a message
/// that starts with the expected words; never a crash, never "this is a bug", never a silent success,
/// and never an escape byte on the terminal.
@Suite("Bad input through the command line")
struct BadInputTableTests {
    /// The example product every case breaks, as in the malformed-manifest tests.
    static let product = ManifestErrorTests.product
    static let manifest = ManifestErrorTests.manifest

    /// One bad input: how to prepare the registry, the command, and what the user must see.
    struct BadInput: CustomTestStringConvertible, Sendable {
        let name: String
        /// Changes the fixture registry (and commits, when the command reads git) before the command.
        var prepare: @Sendable (FixtureRegistry) throws -> Void = { _ in }
        /// Whether the command needs the whole example registry (board, keyring, configuration).
        var examples = false
        let arguments: [String]
        let status: Int32
        /// The first words of the message: of stderr after `registry: ` for errors, of stdout otherwise.
        let firstWords: String
        /// Further text the output must hold somewhere.
        var mentions: [String] = []
        var testDescription: String { name }
    }

    // MARK: Preparing bad registries

    /// Edits the example product's manifest; `commit` records it, since most commands read git.
    static func editManifest(commit: Bool = true, _ transform: @escaping @Sendable (String) -> String) -> @Sendable (FixtureRegistry) throws -> Void {
        { registry in
            let url = registry.url.appendingPathComponent(manifest)
            let text = try String(contentsOf: url, encoding: .utf8)
            let changed = transform(text)
            precondition(changed != text, "the edit did not change the manifest")
            try Data(changed.utf8).write(to: url)
            if commit { try registry.git("commit", "-q", "-am", "Bad manifest") }
        }
    }

    static func replacing(_ old: String, _ new: String, commit: Bool = true) -> @Sendable (FixtureRegistry) throws -> Void {
        editManifest(commit: commit) { $0.replacingOccurrences(of: old, with: new) }
    }

    /// The example product with its output declared as JSON lines and a program that writes `lines`
    /// to it and `noise` to stdout and stderr.
    static func jsonLinesProduct(_ lines: [String], noise: String = "") -> @Sendable (FixtureRegistry) throws -> Void {
        { registry in
            let url = registry.url.appendingPathComponent(manifest)
            let text = try String(contentsOf: url, encoding: .utf8)
            try Data(text.replacingOccurrences(of: "  - name: weekly_station_incidents.csv\n    format: csv\n",
                                               with: "  - name: weekly_station_incidents.jsonl\n    format: jsonl\n").utf8).write(to: url)
            try writeProgram(registry, output: "weekly_station_incidents.jsonl", text: lines.map { $0 + "\n" }.joined(), noise: noise)
        }
    }

    /// The example product, declared as it is, with a program that writes `text` to its output.
    static func csvProduct(_ text: String, noise: String = "") -> @Sendable (FixtureRegistry) throws -> Void {
        { registry in try writeProgram(registry, output: "weekly_station_incidents.csv", text: text, noise: noise) }
    }

    private static func writeProgram(_ registry: FixtureRegistry, output: String, text: String, noise: String) throws {
        let program = """
            import os, sys
            sys.stdout.write(\(pythonLiteral(noise)))
            sys.stderr.write(\(pythonLiteral(noise)))
            open(os.path.join(os.environ["REGISTRY_OUTPUT"], "\(output)"), "w").write(\(pythonLiteral(text)))

            """
        try writeFile(program, to: "Products/\(product)/main.py", in: registry.url)
        try registry.git("commit", "-q", "-am", "Product variant")
    }

    /// A Python string literal for any text: each character as a `\u` escape, so quotes and ESC survive.
    private static func pythonLiteral(_ text: String) -> String {
        "\"" + text.unicodeScalars.map { String(format: "\\U%08x", $0.value) }.joined() + "\""
    }

    /// Commits keyring v3 straight into the chain, unsigned, as a board would by mistake
    /// instead of proposing it.
    static let unsignedKeyringInChain: @Sendable (FixtureRegistry) throws -> Void = { registry in
        let current = try String(contentsOf: registry.url.appendingPathComponent("Reviews/board/keyring.v0002"), encoding: .utf8)
        try writeFile(current.replacingOccurrences(of: "version: 2\n", with: "version: 3\n"), to: "Reviews/board/keyring.v0003", in: registry.url)
        try registry.git("add", "Reviews")
        try registry.git("commit", "-q", "-m", "Keyring v3 before it is signed")
    }

    static func file(_ path: String, _ text: String) -> @Sendable (FixtureRegistry) throws -> Void {
        { registry in try writeFile(text, to: path, in: registry.url) }
    }

    /// `registry fairness` arguments, valid except where a case changes them.
    static func fairness(output: String = "out.csv", audit: String = "audit.csv", key: String = "case_id",
                         attributes: String = "race", decisionColumn: String = "selected", extra: [String] = []) -> [String] {
        ["fairness", "--output", output, "--audit", audit, "--key", key, "--attributes", attributes,
         "--decision-column", decisionColumn] + extra
    }

    static let allegationsHeader = "id,date_received,responding_service,basis,action_type,status,finding,product_ids\n"
    static let escape = "\u{1B}[2J\u{1B}[H"
    static let week = "2026-11-16"
    static let goodRow = #"{"week_start":"2026-11-16","station":"Central","hour_band":"am_peak","incidents":20}"#

    // MARK: The table

    static let cases: [BadInput] = [
        // JSON lines outputs.
        BadInput(name: "JSON lines row with an undeclared key",
                 prepare: jsonLinesProduct([#"{"week_start":"2026-11-16","station":"Central","hour_band":"am_peak","incidents":20,"officer":"Lee"}"#]),
                 arguments: ["check", product], status: 1, firstWords: "FAIL \(product)",
                 mentions: ["undeclared columns 'officer'"]),
        BadInput(name: "JSON lines row without a declared key, hiding a small count",
                 prepare: jsonLinesProduct([goodRow, #"{"week_start":"2026-11-16","station":"Harbor","incidents":4}"#]),
                 arguments: ["check", product], status: 1, firstWords: "FAIL \(product)",
                 mentions: ["without the declared key 'hour_band', the first on row 2", "small-cells", "count of 4"]),
        BadInput(name: "JSON lines with an undeclared key, check --all --json",
                 prepare: jsonLinesProduct([#"{"week_start":"2026-11-16","station":"Central","hour_band":"am_peak","incidents":4,"x":1}"#]),
                 arguments: ["check", "--all", "--json"], status: 1, firstWords: "{",
                 mentions: ["\"rule\" : \"declared-outputs\"", "\"rule\" : \"small-cells\""]),
        BadInput(name: "JSON lines row giving a key twice, the small count second",
                 prepare: jsonLinesProduct([#"{"week_start":"2026-01-05","station":"A","hour_band":"x","incidents":50,"incidents":1}"#]),
                 arguments: ["check", product], status: 1, firstWords: "FAIL \(product)",
                 mentions: ["line 1 has the key 'incidents' twice"]),
        BadInput(name: "JSON lines row hiding fields in a nested object",
                 prepare: jsonLinesProduct([#"{"week_start":"2026-01-05","station":{"name":"A","race":"Black"},"hour_band":"x","incidents":20}"#]),
                 arguments: ["check", product], status: 1, firstWords: "FAIL \(product)",
                 mentions: ["line 1 key 'station' holds an object, an array or a number out of range"]),
        BadInput(name: "JSON lines line that is not an object",
                 prepare: jsonLinesProduct([goodRow, "", "[1, 2]"]),
                 arguments: ["check", product], status: 1, firstWords: "FAIL \(product)",
                 mentions: ["line 3 is not a JSON object"]),

        // Control characters in manifest text.
        BadInput(name: "control character escaped in a name",
                 prepare: replacing("name: Station Incident Hotspots", #"name: "Station\u0001Hotspots""#, commit: false),
                 arguments: ["validate", product], status: 1, firstWords: "invalid  \(product)",
                 mentions: ["\(manifest):4 (key 'name'): the value holds the control character U+0001"]),
        BadInput(name: "NUL in a summary",
                 prepare: editManifest(commit: false) { $0.replacingOccurrences(of: "\nsummary: >-\n", with: "\nsummary: \"Counts\\0hidden\"\nx_summary: >-\n") },
                 arguments: ["validate", product], status: 1, firstWords: "invalid  \(product)",
                 mentions: ["(key 'summary'): the value holds the control character U+0000"]),
        BadInput(name: "ESC written as a YAML escape in a column name",
                 prepare: replacing("      - name: station\n", "      - name: \"\\e[2Jstation\"\n", commit: false),
                 arguments: ["validate", product], status: 1, firstWords: "invalid  \(product)",
                 mentions: ["(key 'outputs[0].columns[1].name'): the value holds the control character U+001B"]),
        BadInput(name: "C1 control character in a data source name",
                 prepare: replacing("    name: ", "    name: \"\\u0085\" # ", commit: false),
                 arguments: ["validate", product], status: 1, firstWords: "invalid  \(product)",
                 mentions: ["(key 'data_sources[0].name'): the value holds the control character U+0085"]),
        BadInput(name: "raw DEL byte in the file",
                 prepare: editManifest(commit: false) { $0 + "# \u{7F}\n" },
                 arguments: ["validate", product], status: 1, firstWords: "invalid  \(product)", mentions: ["the file holds the control character U+007F"]),
        BadInput(name: "line break in a one-line value",
                 prepare: replacing("name: Station Incident Hotspots", #"name: "Station\nHotspots""#, commit: false),
                 arguments: ["validate", product], status: 1, firstWords: "invalid  \(product)",
                 mentions: ["(key 'name'): the value holds the control character U+000A"]),
        BadInput(name: "escape sequence in an invalid status, through list",
                 prepare: replacing("status: in-use", #"status: "\e[2J\e[Hall checks passed""#),
                 arguments: ["list"], status: 0, firstWords: "ID", mentions: ["\\x1b[2J"]),
        BadInput(name: "escape sequence in an invalid status, through show",
                 prepare: replacing("status: in-use", #"status: "\e[2J\e[Hall checks passed""#),
                 arguments: ["show", product], status: 0, firstWords: "\(product)  tree", mentions: ["Manifest problem:", "\\x1b[2J"]),

        // Escape sequences in what a product prints or writes.
        BadInput(name: "escape sequences in a product's stdout and stderr, through run",
                 prepare: csvProduct("week_start,station,hour_band,incidents\n2026-11-16,Central,am_peak,20\n",
                                     noise: escape + "all checks passed\r\nlater\roverwritten\n"),
                 arguments: ["run", product], status: 0, firstWords: "--- stdout ---", mentions: ["\\x1b[2J\\x1b[Hall checks passed\nlater\\x0doverwritten"]),
        BadInput(name: "escape sequence in an output value, through check",
                 prepare: csvProduct("week_start,station,hour_band,incidents\n2026-11-16,Central,am_peak,\(escape)20\n"),
                 arguments: ["check", product], status: 1, firstWords: "FAIL \(product)", mentions: ["\\x1b[2J"]),

        BadInput(name: "product folder named with an escape sequence, through check --all",
                 prepare: { registry in
                     try writeFile("id: x\n", to: "Products/x\(escape)y/product.yaml", in: registry.url)
                     try registry.git("add", "-A")
                     try registry.git("commit", "-q", "-m", "Hostile folder name")
                 },
                 arguments: ["check", "--all"], status: 1, firstWords: "PASS \(product)",
                 mentions: ["FAIL x\\x1b[2J\\x1b[Hy", "'Products/x\\x1b[2J\\x1b[Hy' is not a valid product folder name"]),

        // Allegations files.
        BadInput(name: "allegation naming a product the registry does not hold",
                 prepare: file("a.csv", allegationsHeader + "A1,2026-01-05,Outreach,age,stop,closed,unfounded,no-such-product\n"),
                 examples: true,
                 arguments: ["catalog", "build", "--out", "site", "--allegations", "a.csv"], status: 1,
                 firstWords: "a.csv:2: column 'product_ids' has 'no-such-product'"),
        BadInput(name: "allegation received in 9999",
                 prepare: file("a.csv", allegationsHeader + "A1,9999-12-31,Outreach,age,stop,closed,unfounded,\n"),
                 examples: true,
                 arguments: ["catalog", "build", "--out", "site", "--allegations", "a.csv", "--as-of", "2026-11-25"], status: 1,
                 firstWords: "a.csv:2: column 'date_received' has '9999-12-31'", mentions: ["1990-01-01 to 2026-11-25"]),
        BadInput(name: "allegations file with several bad cells",
                 prepare: file("a.csv", allegationsHeader + "A1,1970-01-01,Outreach,age,stop,closed,unfounded,\n"
                               + "A2,2026-01-05,,height,stop,closed,unfounded,\n"),
                 examples: true,
                 arguments: ["catalog", "build", "--out", "site", "--allegations", "a.csv"], status: 1,
                 firstWords: "'a.csv' has 3 bad cells", mentions: ["a.csv:2: column 'date_received'", "a.csv:3: column 'responding_service'",
                                                               "a.csv:3: column 'basis'"]),
        BadInput(name: "allegation with an escape sequence in a published cell",
                 prepare: file("a.csv", allegationsHeader + "A1,2026-01-05,Out\u{1B}[2Jreach,age,stop,closed,unfounded,\n"),
                 examples: true,
                 arguments: ["catalog", "build", "--out", "site", "--allegations", "a.csv"], status: 1,
                 firstWords: "a.csv:2: column 'responding_service' has 'Out\\x1b[2Jreach'", mentions: ["text without control characters"]),
        BadInput(name: "allegations path that is a folder",
                 examples: true,
                 arguments: ["catalog", "build", "--out", "site", "--allegations", "Products"], status: 2,
                 firstWords: "The allegations file 'Products' cannot be read: it is a folder"),
        BadInput(name: "allegations file that does not exist",
                 examples: true,
                 arguments: ["catalog", "build", "--out", "site", "--allegations", "missing.csv"], status: 2,
                 firstWords: "The allegations file 'missing.csv' cannot be read"),

        // Arguments and files.
        BadInput(name: "fairness --output a folder",
                 prepare: file("audit.csv", "case_id,race\n1,A\n"),
                 arguments: fairness(output: "Products"), status: 2,
                 firstWords: "'Products': it is a folder"),
        BadInput(name: "fairness --audit missing",
                 arguments: fairness(audit: "missing.csv"), status: 2,
                 firstWords: "'missing.csv': the file cannot be opened"),
        BadInput(name: "fairness --selection-is with another word",
                 arguments: fairness(extra: ["--selection-is", "good"]), status: 2,
                 firstWords: "--selection-is must be 'favourable' or 'adverse'"),
        BadInput(name: "fairness --attributes of commas only",
                 arguments: fairness(attributes: ","), status: 2,
                 firstWords: "--attributes needs at least one audit column"),
        BadInput(name: "fairness --attributes naming a column twice",
                 arguments: fairness(attributes: "race, race"), status: 2,
                 firstWords: "Error: --attributes names 'race' twice"),
        BadInput(name: "fairness --key that is also an attribute",
                 arguments: fairness(key: "race"), status: 2,
                 firstWords: "Error: --key 'race' is also one of --attributes"),
        BadInput(name: "fairness with an empty --decision-column",
                 arguments: fairness(decisionColumn: " "), status: 2,
                 firstWords: "Error: --decision-column is empty"),
        BadInput(name: "--repo naming a file", prepare: file("plain.txt", "x\n"),
                 arguments: ["--repo", "plain.txt", "list"], status: 2, firstWords: "Cannot use '", mentions: ["plain.txt': it is a file, not a folder"]),
        BadInput(name: "show with a path for an id", arguments: ["show", "../etc"], status: 2, firstWords: "There is no product '../etc'"),
        BadInput(name: "run of an unknown product", arguments: ["run", "no-such-product"], status: 2,
                 firstWords: "There is no product 'no-such-product' at this revision; known products: \(product)."),
        BadInput(name: "run at an unknown revision", arguments: ["run", product, "--at", "no-such-rev"], status: 2,
                 firstWords: "The revision 'no-such-rev' does not name a commit"),
        BadInput(name: "run --keep-output naming a file", prepare: file("plain.txt", "x\n"),
                 arguments: ["run", product, "--keep-output", "plain.txt"], status: 2, firstWords: "--keep-output '", mentions: ["plain.txt' is a file, not a folder"]),
        BadInput(name: "run --keep-output under a path that cannot exist",
                 arguments: ["run", product, "--keep-output", "/proc/no-such/kept"], status: 2,
                 firstWords: "--keep-output '/proc/no-such/kept' cannot be created"),
        BadInput(name: "product.yaml that is a symbolic link to a system file", prepare: { registry in
                     let url = registry.url.appendingPathComponent(manifest)
                     try FileManager.default.removeItem(at: url)
                     try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: "/etc/passwd")
                 },
                 arguments: ["validate", product], status: 1, firstWords: "invalid  \(product)",
                 mentions: ["\(manifest) is a symbolic link"]),
        BadInput(name: "product.yaml that is a folder", prepare: { registry in
                     let url = registry.url.appendingPathComponent(manifest)
                     try FileManager.default.removeItem(at: url)
                     try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
                 },
                 arguments: ["validate", product], status: 1, firstWords: "invalid  \(product)",
                 mentions: ["\(manifest) is not a regular file"]),
        BadInput(name: "catalog build with an impossible --as-of",
                 examples: true,
                 arguments: ["catalog", "build", "--out", "site", "--as-of", "2026-02-30"], status: 2,
                 firstWords: "--as-of '2026-02-30' is not a date"),
        BadInput(name: "unsigned keyring committed into the chain instead of proposed",
                 prepare: unsignedKeyringInChain,
                 examples: true,
                 arguments: ["status"], status: 1, firstWords: "ID",
                 mentions: ["keyring version 3 is not valid (see 'registry board verify')"]),
        BadInput(name: "unsigned keyring in the chain, through board verify",
                 prepare: unsignedKeyringInChain,
                 examples: true,
                 arguments: ["board", "verify"], status: 1, firstWords: "keyring v1: valid",
                 mentions: ["keyring v3: INVALID, signed by none of its members",
                            "signed by 0 members of version 2 but threshold-keyring of version 2 is 3; until it is signed no keyring is trusted, so move a keyring still collecting signatures to Reviews/board/proposals/keyring.v0003 and run 'registry board adopt' once it is signed"]),
        BadInput(name: "init with an escape sequence in the title", arguments: ["init", "--path", "fresh", "--title", "Metro\u{1B}[2J"],
                 status: 2, firstWords: "--title holds the control character U+001B"),
        BadInput(name: "check --shard beyond its count", arguments: ["check", "--shard", "3/2"], status: 2,
                 firstWords: "--shard '3/2' must be K/N with 1 ≤ K ≤ N"),
    ]

    @Test("bad input gets its exit status and a message starting with the expected words", arguments: cases)
    func badInput(_ input: BadInput) throws {
        let registry = try input.examples ? FixtureRegistry.cloneOfExamples() : FixtureRegistry.withExampleProducts([Self.product])
        defer { registry.remove() }
        try input.prepare(registry)
        let result = try registry.registry(input.arguments)
        let shown = "\(input.name): exit \(result.status)\nstdout: \(result.stdout.prefix(3000))\nstderr: \(result.stderr.prefix(3000))"
        #expect(!result.crashed, "\(shown)")
        #expect(result.status == input.status, "\(shown)")
        let message = result.stderr.isEmpty ? result.stdout : String(result.stderr.trimmingPrefix("registry: "))
        #expect(message.hasPrefix(input.firstWords), "\(shown)")
        if input.status == 2 { #expect(result.stderr.hasPrefix("registry: ") || result.stderr.hasPrefix("Error: "), "\(shown)") }
        for text in input.mentions {
            #expect((result.stdout + result.stderr).contains(text), "'\(text)' missing: \(shown)")
        }
        for forbidden in ["this is a bug", "Fatal error", "Stack dump", "\u{1B}"] {
            #expect(!(result.stdout + result.stderr).contains(forbidden), "'\(forbidden.debugDescription)' shown: \(shown)")
        }
        if input.arguments.contains("--json") {
            #expect((try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) != nil, "not one JSON document: \(shown)")
        }
    }
}
