import ArgumentParser
import RegistryCore

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check product manifests in the working tree strictly, without running anything.",
        discussion: "Example: registry validate station-incident-hotspots   (no ids: every product)"
    )

    @Argument(help: "Product ids (default: all).")
    var ids: [String] = []
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().validate(ids: ids)
        try output.emit(report) {
            report.products.map { product in
                let verdict = product.valid ? ["ok       \(product.id)"] : ["invalid  \(product.id)"] + product.problems.map { "  \($0)" }
                return (verdict + product.notes.map { "  note: \($0)" }).joined(separator: "\n")
            }.joined(separator: "\n") + "\n\(report.products.filter(\.valid).count) of \(report.products.count) manifests valid."
        }
        if !report.passed { throw FindingsExit() }
    }
}
