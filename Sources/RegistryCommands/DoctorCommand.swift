import ArgumentParser
import Foundation
import RegistryCore

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Say what this machine can and cannot do for the registry (sandbox, interpreters, git identity, index), each with its fix.",
        discussion: "Exit status 0 when products can run here (warnings allowed), 2 when they cannot. Example: registry doctor --json"
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let start = URL(fileURLWithPath: global.repo ?? FileManager.default.currentDirectoryPath)
        let report = await Doctor.examine(from: start)
        try output.emit(report) {
            let rows = report.checks.flatMap { check in
                [[check.status.rawValue, check.id, check.summary]] + (check.fix.map { [["", "", "fix: \($0)"]] } ?? [])
            }
            let verdict = report.runsPossible
                ? "Products can run on this machine."
                : "Products cannot run on this machine: apply the fixes of the errors above, then run 'registry doctor' again."
            return TextTable(headers: ["status", "check", "finding"], rows: rows).render() + "\n\n" + verdict
        }
        if !report.runsPossible { throw FindingsExit(status: 2) }
    }
}
