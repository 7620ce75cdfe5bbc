import ArgumentParser
import Foundation
import RegistryCore

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Write, sign and verify review statements.",
        subcommands: [ReviewTemplateCommand.self, ReviewSignCommand.self, ReviewVerifyCommand.self]
    )
}

struct ReviewTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Write a review statement for the committed version of a product, ready to sign.",
        discussion: """
        Example: registry review template fare-inspection-allocation --reviewer alice --comment "Age band justified"
        Then sign it with: registry review sign Reviews/<id>/<version>/alice.approval --key ~/.ssh/id_ed25519
        """
    )

    @Argument(help: "The product id.")
    var id: String
    @Option(name: .long, help: "Your member id in the board keyring.")
    var reviewer: String
    @Option(name: .long, help: "approval, rejection or revocation.")
    var decision = "approval"
    @Option(name: .long, help: "When the statement stops counting (YYYY-MM-DD; default: six months).")
    var expires: String?
    @Option(name: .long, help: "One line for the record.")
    var comment = ""
    @Flag(name: .long, help: "Print the statement instead of writing it under Reviews/.")
    var stdout = false
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let statement = try await global.openRegistry().reviewTemplate(
            id: id, reviewer: reviewer, decision: decision, expires: expires, comment: comment, write: !stdout)
        if let warning = statement.warning { Terminal.standardError.writeLine("registry: warning: \(warning).") }
        if stdout {
            print(statement.text, terminator: "")
        } else {
            print("Wrote \(statement.path). Check it, then sign it: registry review sign \(statement.path) --key YOUR_KEY")
        }
    }
}

struct ReviewSignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a statement file with an unencrypted OpenSSH ed25519 key, writing FILE.sig (board statements: FILE.sigs/<member>.sig).",
        discussion: """
        The file must be a statement and the key the named reviewer's (or, for board statements, a member's) in the current keyring.
        Example: registry review sign Reviews/board/proposals/keyring.v0003 --key ~/.ssh/board_ed25519
        For a passphrase-protected key use: ssh-keygen -Y sign -n review@analytics-registry -f KEY FILE
        """
    )

    @Argument(help: "The statement file.")
    var file: String
    @Option(name: .long, help: "The OpenSSH ed25519 private key file.")
    var key: String
    @Option(name: .long, help: "The signature namespace (default and only accepted value: the one of the statement's type).")
    var namespace: String?
    @Option(name: .long, help: "Where to write the signature (default: FILE.sig, or FILE.sigs/<member>.sig for board statements).")
    var signature: String?
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let registry = try await global.openRegistry(refreshingIndex: false)
        let written = try registry.sign(file: URL(fileURLWithPath: file), key: URL(fileURLWithPath: key),
                                        namespace: namespace, signature: signature.map { URL(fileURLWithPath: $0) })
        print("Wrote \(written.relativePath).")
    }
}

struct ReviewVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify every review statement's signature and say which ones count.",
        discussion: "Example: registry review verify fare-inspection-allocation --json"
    )

    @Argument(help: "Product ids (default: all).")
    var ids: [String] = []
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().status(ids: ids, at: nil)
        try output.emit(report) {
            report.products.map { product in
                (["\(product.id): \(product.counted.count) counted, \(product.notCounted.count) not counted"]
                    + product.counted.map { "  counted  \($0.path) (\($0.member))" }
                    + product.notCounted.map { "  ignored  \($0.path): \($0.reason)" }).joined(separator: "\n")
            }.joined(separator: "\n")
        }
        if report.products.contains(where: { !$0.notCounted.isEmpty }) { throw FindingsExit() }
    }
}
