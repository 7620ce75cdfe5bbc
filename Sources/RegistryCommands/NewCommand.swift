import ArgumentParser
import RegistryCore

struct NewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Scaffold a new product folder with a manifest, a working entry point and sample data.",
        discussion: "Example: registry new station-crowding --language python"
    )

    @Argument(help: "The product id: lowercase letters, digits and hyphens, 2 to 63 characters.")
    var id: String
    @Option(name: .long, help: "The entry point's language: python or shell.")
    var language = "python"
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().scaffold(id: id, language: language)
        try output.emit(report) {
            (["Created Products/\(report.id)/ with:"] + report.files.map { "  \($0)" }
                + ["Next: edit product.yaml, then run 'registry validate \(report.id)' and 'registry run \(report.id) --working-tree'."])
                .joined(separator: "\n")
        }
    }
}
