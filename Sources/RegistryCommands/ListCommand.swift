import ArgumentParser
import RegistryCore

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the products at the committed HEAD, from the index.",
        discussion: "Example: registry list --json"
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().list()
        try output.emit(report) {
            TextTable(headers: ["ID", "VERSION", "STATUS", "NAME"],
                      rows: report.products.map { [$0.id, $0.version ?? "-", $0.status ?? "invalid", $0.name ?? ($0.problem ?? "")] })
                .render()
        }
    }
}
