import ArgumentParser
import RegistryCore

struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Validate a product and commit exactly its folder, with your git identity.",
        discussion: "Example: registry register station-incident-hotspots -m \"Add hour bands for night service\""
    )

    @Argument(help: "The product id.")
    var id: String
    @Option(name: .shortAndLong, help: "The commit message: say why the product changed.")
    var message: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("The commit message given with -m is empty; say why the product changed.")
        }
    }

    func run() async throws {
        let report = try await global.openRegistry().register(id: id, message: message)
        try output.emit(report) {
            "Registered \(report.id) \(report.version) as commit \(report.commit.prefix(12)) (tree \(report.tree.prefix(12)))."
        }
    }
}
