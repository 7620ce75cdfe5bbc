import ArgumentParser
import RegistryCore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each product's approval state; exit 1 when a product in use is not approved (a CI gate).",
        discussion: "Example: registry status --json   |   registry status fare-inspection-allocation --at v2026.10 --as-of 2026-12-31"
    )

    @Argument(help: "Product ids (default: all).")
    var ids: [String] = []
    @Flag(name: .long, help: "Every product (the default when no ids are given).")
    var all = false
    @Option(name: .long, help: "Evaluate as of this revision (default: HEAD).")
    var at: String?
    @Option(name: .long, help: "Judge board review dates, statement issue and expiry times and the keyring's expiry as of the end of this day, YYYY-MM-DD (default: now, UTC).")
    var asOf: String?
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().status(ids: ids, at: at, asOf: asOf)
        try output.emit(report) {
            var lines = [TextTable(headers: ["ID", "VERSION", "STATUS", "STATE", "APPROVALS"],
                                   rows: report.products.map {
                                       [$0.id, $0.version, $0.status, $0.state.rawValue,
                                        "\($0.counted.count)/\($0.threshold)"]
                                   }).render()]
            for product in report.products where product.state == .lapsed {
                lines.append("\(product.id): \(product.explanation)")
            }
            for product in report.products where !product.notCounted.isEmpty {
                lines.append("\(product.id): statements not counted:")
                lines += product.notCounted.map { "  \($0.path): \($0.reason)" }
            }
            if let keyring = report.keyringProblem { lines.append("keyring: \(keyring)") }
            lines += report.keyringProposals.map(\.text)
            return lines.joined(separator: "\n")
        }
        if !report.passed { throw FindingsExit() }
    }
}
