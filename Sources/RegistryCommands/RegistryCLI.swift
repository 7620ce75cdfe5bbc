import ArgumentParser
import Foundation
import RegistryCore
import RegistrySupport

/// The `registry` command and its subcommands.
public struct RegistryCLI: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Register, run, check, review and publish a public agency's analytic products.",
        discussion: """
        Works on the git repository containing the current directory, or on --repo PATH.
        Exit status: 0 success, 1 findings (invalid manifest, failed check, not approved), 2 usage or environment error.
        """,
        version: RegistryVersion.description,
        subcommands: [
            InitCommand.self, NewCommand.self, ValidateCommand.self, ListCommand.self, ShowCommand.self,
            HistoryCommand.self, DiffCommand.self, RegisterCommand.self, RunCommand.self, CheckCommand.self,
            FairnessCommand.self, ReviewCommand.self, StatusCommand.self, BoardCommand.self, CatalogCommand.self,
            IndexCommand.self, AuditCommand.self, CommitmentCommand.self, EnvCommand.self,
            ReportCommand.self, LinksCommand.self, DoctorCommand.self,
        ]
    )

    public init() {}

    /// Parses the command line, runs the command and exits with the status DESIGN section 8 fixes.
    public static func runAndExit() async -> Never {
        do {
            var command = try parseAsRoot(Self.movingLeadingRepositoryOption(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let diagnostic as RegistryDiagnostic {
            Terminal.standardError.writeLine("registry: \(diagnostic.message)")
            Foundation.exit(diagnostic.category.exitStatus)
        } catch let findings as FindingsExit {
            Foundation.exit(findings.status)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if code == .validationFailure {
                Terminal.standardError.writeLine(fullMessage(for: error))
            } else {
                Terminal.standardError.writeLine("registry: unexpected error (\(error)); this is a bug in the registry, please report it with the command you ran.")
            }
            Foundation.exit(2)
        }
    }
}

extension RegistryCLI {
    /// Lets `--repo PATH` stand before the subcommand (`registry --repo X list`) as well as after it,
    /// by moving a leading occurrence to the end where the subcommand's own option parses it.
    static func movingLeadingRepositoryOption(_ arguments: [String]) -> [String] {
        var arguments = arguments
        var moved: [String] = []
        while let first = arguments.first, first.hasPrefix("-") {
            if first == "--repo", arguments.count >= 2 {
                moved += arguments.prefix(2)
                arguments.removeFirst(2)
            } else if first.hasPrefix("--repo=") {
                moved.append(arguments.removeFirst())
            } else {
                break
            }
        }
        return arguments + moved
    }
}

/// Thrown by a command after it has reported findings, to exit with status 1 and nothing more.
struct FindingsExit: Error {
    var status: Int32 = 1
}

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The registry repository (default: the git repository containing the current directory).")
    var repo: String?

    /// Opens the registry these options point at, bringing the index up to date unless
    /// `refreshingIndex` is false (for `registry index`, which reports the update itself).
    func openRegistry(refreshingIndex: Bool = true, verifyingIndex: Bool = false) async throws -> RegistryWorkspace {
        let start = repo.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let registry = refreshingIndex ? try await RegistryWorkspace.openUpToDate(from: start, explicit: repo != nil)
            : try RegistryWorkspace.open(from: start, explicit: repo != nil, verifyingIndex: verifyingIndex)
        if let recovery = registry.indexRecovery { Terminal.standardError.writeLine("registry: \(recovery)") }
        return registry
    }
}

/// The `--json` switch of reporting commands.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document on stdout instead of text (keys are documented in the README).")
    var json = false

    /// Prints a report as JSON or as text, with control characters in the text made visible.
    func emit<Report: Encodable>(_ report: Report, text: () -> String) throws {
        try emitStyled(report) { Terminal.visible(text()) }
    }

    /// Prints a report as JSON or as text that may hold the registry's own colour codes, so the
    /// renderer passes everything it did not write itself through `Terminal.visible`.
    func emitStyled<Report: Encodable>(_ report: Report, text styledText: () -> String) throws {
        if json {
            print(try CanonicalJSON.string(report, pretty: true))
        } else {
            let rendered = styledText()
            if !rendered.isEmpty { print(rendered) }
        }
    }
}
