import ArgumentParser
import RegistryCore

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List the commits where a product's content changed, newest first.",
        discussion: "Example: registry history station-incident-hotspots --json"
    )

    @Argument(help: "The product id.")
    var id: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().history(id: id)
        try output.emit(report) {
            report.versions.map {
                "\($0.commit.prefix(12))  \($0.version ?? "?")  \($0.date)  \($0.author)  \($0.subject)"
            }.joined(separator: "\n")
        }
    }
}
