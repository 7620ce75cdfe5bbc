import ArgumentParser
import Foundation
import RegistryCore

struct CommitmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commitment",
        abstract: "Disclose a withheld field with its salt, or check a disclosed value against its published commitment.",
        discussion: """
        The catalog publishes, for each withheld field, sha256(salt + {"value":…}); see the README's 'Withheld fields'.
        """,
        subcommands: [CommitmentDiscloseCommand.self, CommitmentVerifyCommand.self]
    )
}

struct CommitmentDiscloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disclose",
        abstract: "Write a withheld field's committed value at HEAD to a file and print its salt and commitment.",
        discussion: "Example: registry commitment disclose --product platform-crowding-alerts --field vendor --out vendor.json"
    )

    @Option(name: .long, help: "The product id.") var product: String
    @Option(name: .long, help: "The withheld top-level manifest key.") var field: String
    @Option(name: .long, help: "The file to write the value to (the exact committed bytes).") var out: String
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let disclosure = try await global.openRegistry()
            .discloseWithheld(id: product, field: field, valueFile: URL(fileURLWithPath: out))
        try output.emit(disclosure) { disclosure.text }
    }
}

struct CommitmentVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a disclosed value and salt against the commitment a catalog (or the registry at HEAD) publishes.",
        discussion: """
        Exit status 0 when they match, 1 when they do not.
        Example: registry commitment verify --product platform-crowding-alerts --field vendor \\
                 --value-file vendor.json --salt 57b3… --catalog site/catalog.json
        """
    )

    @Option(name: .long, help: "The product id.") var product: String
    @Option(name: .long, help: "The withheld top-level manifest key.") var field: String
    @Option(name: .long, help: "The disclosed value: a JSON object {\"value\": …}.") var valueFile: String
    @Option(name: .long, help: "The disclosed salt (64 hex characters).") var salt: String
    @Option(name: .long, help: "A built site folder or its catalog.json (default: the registry at HEAD).") var catalog: String?
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let published: (commitment: String, file: String)
        if let catalog {
            published = try CommitmentCheck.publishedCommitment(inCatalog: URL(fileURLWithPath: catalog), product: product, field: field)
        } else {
            published = (try await global.openRegistry().publishedCommitment(id: product, field: field), "the registry at HEAD")
        }
        let verification = try CommitmentCheck.verify(product: product, field: field, valueFile: URL(fileURLWithPath: valueFile),
                                                      salt: salt, published: published.commitment, publishedIn: published.file)
        try output.emit(verification) { verification.text }
        if !verification.matches { throw FindingsExit() }
    }
}
