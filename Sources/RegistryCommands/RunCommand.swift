import ArgumentParser
import Foundation
import RegistryCore

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a product in the sandbox on its sample data and show what it did.",
        discussion: "Example: registry run station-incident-hotspots --keep-output /tmp/hotspots"
    )

    @Argument(help: "The product id.")
    var id: String
    @Option(name: .long, help: "Copy the collected outputs into this folder.")
    var keepOutput: String?
    @Flag(name: .long, help: "Run the product as it is in the working tree, not as committed.")
    var workingTree = false
    @Option(name: .long, help: "Run the product as committed at this revision (default: HEAD).")
    var at: String?
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let registry = try await global.openRegistry()
        let report = try await registry.runProduct(id: id, at: at, workingTree: workingTree,
                                                   keepOutput: keepOutput.map { URL(fileURLWithPath: $0) })
        try output.emit(report) { report.text }
        if !report.succeeded { throw FindingsExit() }
    }
}
