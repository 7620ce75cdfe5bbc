import ArgumentParser
import Foundation
import RegistryCore

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make a folder (or the current git repository) into a product registry.",
        discussion: "Example: registry init --title \"Metro Transit analytics registry\" --contact analytics@metro.example"
    )

    @Option(name: .long, help: "The folder to set up (default: the current directory).")
    var path: String?
    @Option(name: .long, help: "The registry's public title.")
    var title = "Analytics Registry"
    @Option(name: .long, help: "The address the public can write to about the catalog.")
    var contact = "analytics@agency.example"
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let url = URL(fileURLWithPath: path ?? FileManager.default.currentDirectoryPath)
        let report = try RegistryWorkspace.initialize(at: url, title: title, contact: contact)
        try output.emit(report) {
            "Initialised a registry at \(report.path) (\(report.created.count) files created). Next: registry new <product-id>"
        }
    }
}
