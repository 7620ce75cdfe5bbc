import ArgumentParser
import RegistryCore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Inspect the audit trail of state-changing commands, kept in git on refs/registry/audit.",
        subcommands: [AuditVerifyCommand.self]
    )
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that no audit entry was edited, reordered or deleted, and that every registration has one.",
        discussion: """
        Exit status 1 when the trail was tampered with, or is absent although commits made by registry register
        show that it existed. Entries a killed register left unwritten are recorded from its commit and named.
        Example: registry audit verify --json
        """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().verifyAudit()
        try output.emit(report) {
            let repaired = report.repaired.isEmpty ? [] : ["Recorded the missing entries of commits a stopped register had made: \(report.repaired.map { String($0.prefix(12)) }.joined(separator: ", "))."]
            return switch report.state {
            case .intact: (repaired + ["The audit trail is intact: \(report.entryCount) entries."]).joined(separator: "\n")
            case .absent: (["The audit trail is absent:"] + report.problems.map { "  \($0)" }).joined(separator: "\n")
            case .tampered: (repaired + ["The audit trail was tampered with:"] + report.problems.map { "  \($0)" }).joined(separator: "\n")
            }
        }
        if !report.passed { throw FindingsExit() }
    }
}
