import ArgumentParser
import Foundation
import RegistryCore

struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Publish the public catalog.",
        subcommands: [CatalogBuildCommand.self]
    )
}

struct CatalogBuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Write the static public catalog site and its data files.",
        discussion: "Example: registry catalog build --out public --allegations Data/allegations-demo.csv --as-of 2026-11-25"
    )

    @Option(name: .long, help: "The folder to write the site into: new, empty, or a catalog built before (it is replaced whole).")
    var out: String
    @Option(name: .long, help: "A CSV of allegations to aggregate into the allegations report.")
    var allegations: String?
    @Option(name: .long, help: "The date the catalog speaks for (YYYY-MM-DD; default: today, UTC), printed on the index: overdue reviews, lapsed approvals and statement and keyring expiry are judged at it.")
    var asOf: String?
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().buildCatalog(
            out: out, allegations: allegations.map { URL(fileURLWithPath: $0) }, asOf: asOf)
        try output.emit(report) {
            "Wrote the catalog of \(report.products) products to \(report.path) (\(report.filesWritten) files written, \(report.filesUnchanged) unchanged; \(report.pagesWritten) product pages rendered). Open \(report.path)/index.html."
        }
    }
}
