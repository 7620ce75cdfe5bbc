import ArgumentParser
import RegistryCore

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show field-level manifest changes of a product between two versions or commits.",
        discussion: "Example: registry diff station-incident-hotspots 1.0.0 1.1.0   (versions, commits or HEAD)"
    )

    @Argument(help: "The product id.")
    var id: String
    @Argument(help: "The older version label or revision.")
    var from: String
    @Argument(help: "The newer version label or revision.")
    var to: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().diff(id: id, from: from, to: to)
        try output.emit(report) {
            report.changes.isEmpty
                ? "No manifest changes between \(report.from.commit.prefix(12)) and \(report.to.commit.prefix(12))."
                : report.changes.map { change in
                    "\(change.keyPath):\n  - \(change.before ?? "(absent)")\n  + \(change.after ?? "(absent)")"
                }.joined(separator: "\n")
        }
    }
}
