import ArgumentParser
import RegistryCore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Inspect the append-only audit log of state-changing commands.",
        subcommands: [AuditVerifyCommand.self]
    )
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that no audit entry was edited, reordered or deleted.",
        discussion: "Example: registry audit verify --json"
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().verifyAudit()
        try output.emit(report) {
            report.intact
                ? "The audit log is intact: \(report.entryCount) entries."
                : (["The audit log was tampered with:"] + report.problems.map { "  \($0)" }).joined(separator: "\n")
        }
        if !report.intact { throw FindingsExit() }
    }
}
