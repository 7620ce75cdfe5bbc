import RegistrySupport

/// The checks a decoded manifest must pass that relate one field to another or to the product's files.
///
/// Pure: it reads the manifest and, when given one, a listing of the product folder; it never opens
/// files itself. Problems are returned as values so the policy rules can turn them into findings, and
/// `validate` throws them for commands that simply refuse an invalid manifest.
public struct ManifestValidator: Sendable {
    /// The run time limits a manifest may ask for, in seconds.
    public static let timeLimitRange = 1...3600
    /// The memory limits a manifest may ask for, in MiB.
    public static let memoryLimitRange = 16...16384
    /// Top-level keys that can never be withheld: the catalog cannot list a product without them, and
    /// the policy requires demographic fields and their justification to be public.
    public static let neverWithheld: Set<String> = [
        "format", "id", "name", "version", "status", "public", "demographic_fields", "objection_route",
    ]

    /// The product folder's files, or `nil` to check only what the manifest says.
    public let files: (any ProductFileListing)?

    /// A validator that checks file references against `files` when given.
    public init(files: (any ProductFileListing)? = nil) { self.files = files }

    /// Decodes and validates a manifest file in one step, as `registry validate` and `register` need.
    public func decodeAndValidate(_ bytes: [UInt8], file: String) throws(ManifestError) -> DecodedManifest {
        let document = try ManifestDecoder.decodeDocument(bytes, file: file)
        try validate(document)
        return document
    }

    /// Throws every problem found, the first as the message.
    public func validate(_ document: DecodedManifest) throws(ManifestError) {
        if let error = ManifestError(problems: problems(in: document)) { throw error }
    }

    /// Every problem found, in the order of the manifest's sections.
    public func problems(in document: DecodedManifest) -> [ManifestProblem] {
        var check = Check(document: document, files: files)
        check.format()
        check.version()
        check.owner()
        check.objectionRoute()
        check.dataSources()
        check.demographicFields()
        check.inputs()
        check.outputs()
        check.run()
        check.audit()
        check.publication()
        check.translations()
        return check.problems
    }

    /// What is worth knowing but does not make the manifest invalid: a manifest that does not say
    /// its format, and text not yet translated into each of `languages` (the catalog shows it in
    /// the manifest's own language, marked as such).
    public func notes(in document: DecodedManifest, languages: [String]) -> [ManifestProblem] {
        var notes: [ManifestProblem] = []
        if document.manifest.format == nil {
            notes.append(ManifestProblem(document.location(""), "the manifest does not say its format",
                                         fix: "add 'format: \(ProductManifest.currentFormat)' as its first key"))
            if document.manifest.lacksObjectionRoute {
                notes.append(ManifestProblem(document.location(""), "the product is in use and directs deployment but says no route for objection or appeal",
                                             fix: "add objection_route when you next register it (format 1 requires it)"))
            }
        }
        for language in languages {
            let missing = document.manifest.untranslatedKeyPaths(in: language)
            guard !missing.isEmpty else { continue }
            notes.append(ManifestProblem(
                document.location("translations"),
                "\(missing.count) text\(missing.count == 1 ? " is" : "s are") not translated into '\(language)' (\(missing.joined(separator: ", ")))",
                fix: "add \(missing.count == 1 ? "it" : "them") under translations.\(language) (the catalog shows the original text meanwhile)"))
        }
        return notes
    }
}

/// One validation pass, collecting problems.
private struct Check {
    let document: DecodedManifest
    let files: (any ProductFileListing)?
    var problems: [ManifestProblem] = []

    var manifest: ProductManifest { document.manifest }

    init(document: DecodedManifest, files: (any ProductFileListing)?) {
        self.document = document
        self.files = files
    }

    mutating func report(_ path: String, _ reason: String, fix: String) {
        problems.append(ManifestProblem(document.location(path), reason, fix: fix))
    }

    mutating func format() {
        guard let format = manifest.format, format != ProductManifest.currentFormat else { return }
        report("format", "the format '\(format)' is not one this registry reads",
               fix: "write 'format: \(ProductManifest.currentFormat)', or install a registry release that reads '\(format)'")
    }

    /// Required from format 1 on; a manifest written before the format key existed gets a note
    /// instead, so versions the board approved then stay valid until they are next registered.
    mutating func objectionRoute() {
        guard manifest.format != nil, manifest.lacksObjectionRoute else { return }
        report("objection_route", "the product is in use and directs deployment but says no route for objection or appeal",
               fix: "add objection_route: whom a member of the public writes to, by when, and who decides")
    }

    mutating func version() {
        if SemanticVersion(manifest.version) == nil {
            report("version", "the version '\(manifest.version)' is not a semantic version",
                   fix: "write MAJOR.MINOR.PATCH, such as 1.2.0, without a leading 'v'")
        }
    }

    mutating func owner() {
        reportDuplicates(manifest.owner.boardMembers, at: "owner.board_members", what: "board member")
    }

    mutating func dataSources() {
        reportDuplicates(manifest.dataSources.map(\.id), at: "data_sources", key: "id", what: "data source id")
        for (index, source) in manifest.dataSources.enumerated() {
            let path = "data_sources[\(index)]"
            if source.fields.isEmpty {
                report("\(path).fields", "data source '\(source.id)' lists no fields",
                       fix: "list the fields the product uses from it")
            }
            reportDuplicates(source.fields, at: "\(path).fields", what: "field")
        }
    }

    mutating func demographicFields() {
        reportDuplicates(manifest.demographicFields.map(\.field), at: "demographic_fields", key: "field", what: "demographic field")
        for (index, demographic) in manifest.demographicFields.enumerated() {
            let path = "demographic_fields[\(index)]"
            guard let source = source(named: demographic.source, at: "\(path).source") else { continue }
            if !source.fields.contains(demographic.field) {
                report("\(path).field", "the demographic field '\(demographic.field)' is not among the fields of data source '\(source.id)'",
                       fix: "add '\(demographic.field)' to that source's fields or correct the name")
            }
        }
    }

    mutating func inputs() {
        reportDuplicates(manifest.inputs.map(\.name), at: "inputs", key: "name", what: "input name")
        for (index, input) in manifest.inputs.enumerated() {
            let path = "inputs[\(index)]"
            plainFileName(input.name, at: "\(path).name")
            if input.columns.isEmpty {
                report("\(path).columns", "input '\(input.name)' lists no columns", fix: "list the columns the product may see")
            }
            reportDuplicates(input.columns, at: "\(path).columns", what: "column")
            if let source = source(named: input.source, at: "\(path).source") {
                for (offset, column) in input.columns.enumerated() where !source.fields.contains(column) {
                    report("\(path).columns[\(offset)]", "the column '\(column)' is not among the fields of data source '\(source.id)'",
                           fix: "add '\(column)' to that source's fields or remove it from the input")
                }
            }
            dataFile(input.sample, at: "\(path).sample", role: "sample file")
        }
    }

    mutating func outputs() {
        if manifest.outputs.isEmpty {
            report("outputs", "the product declares no outputs", fix: "declare at least one output file the product writes")
        }
        reportDuplicates(manifest.outputs.map(\.name), at: "outputs", key: "name", what: "output name")
        for (index, output) in manifest.outputs.enumerated() {
            let path = "outputs[\(index)]"
            plainFileName(output.name, at: "\(path).name")
            if output.columns.isEmpty {
                report("\(path).columns", "output '\(output.name)' declares no columns", fix: "declare each column with its name and type")
            }
            reportDuplicates(output.columns.map(\.name), at: "\(path).columns", key: "name", what: "column")
            // An aggregate of quantities that are not counts of people or events (hours, rates)
            // has no count column; the small-cell rule checks the ones that are declared.
            switch (output.level, output.countColumn) {
            case (.aggregate, let count?):
                if let column = output.columns.first(where: { $0.name == count }) {
                    if column.type != .integer {
                        report("\(path).count_column", "the count column '\(count)' has type '\(column.type.rawValue)'",
                               fix: "declare it with type: integer")
                    }
                } else {
                    report("\(path).count_column", "the count column '\(count)' is not one of the columns of output '\(output.name)'",
                           fix: "use one of: \(output.columns.map(\.name).joined(separator: ", "))")
                }
            case (.record, let count?):
                report("\(path).count_column", "record-level output '\(output.name)' names a count column '\(count)'",
                       fix: "remove count_column, or set level: aggregate if the output holds counts")
            case (.record, nil), (.aggregate, nil):
                break
            }
        }
    }

    mutating func run() {
        let command = manifest.run.command
        if command.isEmpty {
            report("run.command", "the command is empty", fix: "give the program and its arguments, such as [python3, main.py]")
        }
        for (index, argument) in command.enumerated() {
            let path = "run.command[\(index)]"
            if index == 0, argument.hasPrefix("/") {
                report(path, "the program '\(argument)' is an absolute path",
                       fix: "name a program on the sandbox's PATH (python3) or a path inside the product folder (./main.py)")
            } else if argument.contains("/"), argument.split(separator: "/").contains("..") {
                report(path, "the path '\(argument)' leaves the product folder", fix: "refer only to files inside the product folder")
            } else if index == 0, argument.contains("/") {
                programFile(argument, at: path)
            } else if argument.hasPrefix("./") {
                dataFile(argument, at: path, role: "file")
            }
        }
        let limits = manifest.run
        if !ManifestValidator.timeLimitRange.contains(limits.timeLimitSeconds) {
            report("run.time_limit_seconds", "the time limit \(limits.timeLimitSeconds) is out of range",
                   fix: "use \(ManifestValidator.timeLimitRange.lowerBound) to \(ManifestValidator.timeLimitRange.upperBound) seconds")
        }
        if !ManifestValidator.memoryLimitRange.contains(limits.memoryLimitMB) {
            report("run.memory_limit_mb", "the memory limit \(limits.memoryLimitMB) is out of range",
                   fix: "use \(ManifestValidator.memoryLimitRange.lowerBound) to \(ManifestValidator.memoryLimitRange.upperBound) MiB")
        }
    }

    mutating func audit() {
        guard let audit = manifest.audit else { return }
        dataFile(audit.file, at: "audit.file", role: "audit file")
        if audit.attributes.isEmpty {
            report("audit.attributes", "the audit compares no attributes", fix: "list the protected attribute columns of the audit file")
        }
        reportDuplicates(audit.attributes, at: "audit.attributes", what: "attribute")
        if let label = audit.labelColumn, label == audit.key || audit.attributes.contains(label) {
            report("audit.label_column", "the label column '\(label)' is also the join key or an attribute",
                   fix: "name the column holding true outcomes (1 or 0)")
        }
        guard let output = manifest.outputs.first(where: { $0.name == audit.output }) else {
            report("audit.output", "the audit output '\(audit.output)' is not a declared output",
                   fix: "use one of: \(manifest.outputs.map(\.name).joined(separator: ", "))")
            return
        }
        let columns = output.columns.map(\.name)
        for (key, column) in [("decision_column", audit.decisionColumn), ("key", audit.key)] where !columns.contains(column) {
            report("audit.\(key)", "the column '\(column)' is not one of the columns of output '\(output.name)'",
                   fix: "use one of: \(columns.joined(separator: ", "))")
        }
    }

    mutating func publication() {
        let topLevel = ProductManifest.CodingKeys.allCases.map(\.rawValue)
        reportDuplicates(manifest.publication.withheld.map(\.field), at: "public.withheld", key: "field", what: "withheld field")
        for (index, withheld) in manifest.publication.withheld.enumerated() {
            let path = "public.withheld[\(index)].field"
            if !topLevel.contains(withheld.field) {
                let fix = ManifestReader.nearest(to: withheld.field, in: topLevel).map { "write '\($0)' instead" }
                    ?? "name a top-level key such as vendor, risks or legal_basis"
                report(path, "'\(withheld.field)' is not a top-level manifest key", fix: fix)
            } else if ManifestValidator.neverWithheld.contains(withheld.field) {
                report(path, "'\(withheld.field)' cannot be withheld from the public catalog",
                       fix: "remove this entry; only fields other than \(ManifestValidator.neverWithheld.sorted().joined(separator: ", ")) may be withheld")
            } else if !isPresent(withheld.field) {
                report(path, "'\(withheld.field)' is withheld but the manifest does not set it", fix: "remove this entry")
            }
            let saltPath = "public.withheld[\(index)].salt"
            if let salt = withheld.salt {
                if !WithheldCommitment.isSalt(salt) {
                    report(saltPath, "the salt '\(salt)' is not 64 lowercase hex characters", fix: WithheldCommitment.howToAddSalt)
                }
            } else {
                report(saltPath, "withheld field '\(withheld.field)' has no salt, so its published commitment could be guessed from a short value",
                       fix: WithheldCommitment.howToAddSalt)
            }
        }
    }

    mutating func translations() {
        for language in manifest.translations.keys.sorted() where !Self.isLanguageTag(language) {
            report("translations.\(language)", "'\(language)' is not a language tag", fix: "use a tag such as es, zh-Hant or pt-BR")
        }
        for (language, translation) in manifest.translations.sorted(by: { $0.key < $1.key }) {
            let path = "translations.\(language)"
            if let risks = translation.risks, risks.count != manifest.risks.count {
                report("\(path).risks", "\(risks.count) translated risk\(risks.count == 1 ? "" : "s") for \(manifest.risks.count) in risks",
                       fix: "translate every risk, in the same order as risks")
            }
            unknownKeys(translation.dataSources, known: manifest.dataSources.map(\.id), at: "\(path).data_sources", what: "data source id")
            unknownKeys(translation.demographicFields, known: manifest.demographicFields.map(\.field),
                        at: "\(path).demographic_fields", what: "demographic field")
            unknownKeys(translation.withheld, known: manifest.publication.withheld.map(\.field), at: "\(path).withheld", what: "withheld field")
            if translation.objectionRoute != nil, manifest.objectionRoute == nil {
                report("\(path).objection_route", "there is a translated objection route but no objection_route", fix: "add objection_route or remove the translation")
            }
        }
    }

    /// Translations keyed by something the manifest does not declare would never be shown.
    private mutating func unknownKeys(_ translated: [String: String]?, known: [String], at path: String, what: String) {
        for key in (translated ?? [:]).keys.sorted() where !known.contains(key) {
            report("\(path).\(key)", "'\(key)' is not a \(what) of this manifest",
                   fix: known.isEmpty ? "remove it" : "use one of: \(known.joined(separator: ", "))")
        }
    }

    // MARK: Helpers

    private func isPresent(_ key: String) -> Bool {
        switch key {
        case "vendor": manifest.vendor != nil
        case "audit": manifest.audit != nil
        case "translations": !manifest.translations.isEmpty
        default: true
        }
    }

    private mutating func source(named id: String, at path: String) -> DataSource? {
        if let source = manifest.dataSources.first(where: { $0.id == id }) { return source }
        let ids = manifest.dataSources.map(\.id)
        report(path, "the data source '\(id)' is not declared in data_sources",
               fix: ids.isEmpty ? "declare it under data_sources" : "use one of: \(ids.joined(separator: ", "))")
        return nil
    }

    private mutating func reportDuplicates(_ values: [String], at path: String, key: String? = nil, what: String) {
        var seen = Set<String>()
        for (index, value) in values.enumerated() where !seen.insert(value).inserted {
            let itemPath = key.map { "\(path)[\(index)].\($0)" } ?? "\(path)[\(index)]"
            report(itemPath, "the \(what) '\(value)' is listed more than once", fix: "remove the repeated entry or rename it")
        }
    }

    private mutating func plainFileName(_ name: String, at path: String) {
        if !Self.isPlainFileName(name) {
            report(path, "'\(name)' is not a plain file name",
                   fix: "use letters, digits, '.', '_' and '-' only, starting with a letter or digit, such as hotspots.csv")
        }
    }

    /// A data file the registry reads from the product folder: inside it, and a regular file.
    private mutating func dataFile(_ path: String, at keyPath: String, role: String) {
        guard let entry = resolve(path, at: keyPath, role: role) else { return }
        if case .regularFile = entry { return }
        report(keyPath, "the \(role) '\(path)' is not a regular file", fix: "point it at a file, not a folder or submodule")
    }

    /// A program inside the product folder: a regular file with the executable bit.
    private mutating func programFile(_ path: String, at keyPath: String) {
        guard let entry = resolve(path, at: keyPath, role: "program") else { return }
        if case .regularFile(executable: true) = entry { return }
        if case .regularFile = entry {
            report(keyPath, "the program '\(path)' is not executable",
                   fix: "run 'chmod +x \(path)' and 'git update-index --chmod=+x' on it, or run it through its interpreter, such as [python3, main.py]")
        } else {
            report(keyPath, "the program '\(path)' is not a regular file", fix: "point the command at the entry point file")
        }
    }

    private mutating func resolve(_ path: String, at keyPath: String, role: String) -> ProductFileEntry? {
        let outside = "keep the \(role) inside the product folder and give its path relative to that folder"
        switch ProductPath.resolve(path, in: files ?? ProductFileList([:])) {
        case .absolute:
            report(keyPath, "the \(role) '\(path)' is an absolute path", fix: outside)
        case .climbs:
            report(keyPath, "the \(role) '\(path)' leaves the product folder through '..'", fix: outside)
        case .escapes(let link, let target):
            report(keyPath, "the \(role) '\(path)' goes through the symbolic link '\(link)', which points outside the product folder to '\(target)'",
                   fix: "replace the link with the file itself")
        case .loop(let link):
            report(keyPath, "the \(role) '\(path)' goes through the symbolic link '\(link)', which loops", fix: "replace the link with the file itself")
        case .missing(let missing):
            guard files != nil else { return nil }
            let detail = missing == path ? "" : " ('\(missing)' is missing)"
            report(keyPath, "the \(role) '\(path)' does not exist in the product folder\(detail)",
                   fix: "add the file or correct the path")
        case .found(_, let entry):
            return files == nil ? nil : entry
        }
        return nil
    }

    // MARK: Formats

    static func isPlainFileName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 128 else { return false }
        func alphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
        }
        return alphanumeric(first) && name.unicodeScalars.allSatisfy { alphanumeric($0) || ".-_".unicodeScalars.contains($0) }
    }

    /// A BCP 47 tag in its common shape: a 2–3 letter language and optional subtags.
    static func isLanguageTag(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let language = parts.first, (2...3).contains(language.count),
              language.allSatisfy({ $0.isASCII && $0.isLowercase }) else { return false }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }
}
