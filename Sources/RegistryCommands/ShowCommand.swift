import ArgumentParser
import RegistryCore

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one product at the committed HEAD: manifest, identity, approval and latest check.",
        discussion: "Example: registry show fare-inspection-allocation"
    )

    @Argument(help: "The product id.")
    var id: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().show(id: id)
        try output.emit(report) { report.text }
    }
}
