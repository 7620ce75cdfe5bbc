import ArgumentParser
import Foundation
import RegistryCore

struct BoardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "Inspect and govern the board keyring.",
        subcommands: [BoardVerifyCommand.self, BoardAllowedSignersCommand.self, BoardProposeCommand.self, BoardAdoptCommand.self,
                      BoardInitCommand.self]
    )
}

struct BoardVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Walk the keyring chain from the pinned first version and report each version.",
        discussion: "Example: registry board verify --trust-anchor 3f1c…   (or REGISTRY_TRUST_ANCHOR, or registry.json)"
    )

    @Option(name: .long, help: "SHA-256 of keyring.v0001 (overrides the environment and registry.json).")
    var trustAnchor: String?
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry().verifyBoard(trustAnchor: trustAnchor)
        try output.emit(report) { report.text }
        if !report.valid { throw FindingsExit() }
    }
}

struct BoardAllowedSignersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allowed-signers",
        abstract: "Write an OpenSSH allowed_signers file of the current board for stock 'ssh-keygen -Y verify'.",
        discussion: """
        Example: registry board allowed-signers --out allowed_signers
                 ssh-keygen -Y verify -f allowed_signers -I alice -n review@analytics-registry -s FILE.sig < FILE
        """
    )

    @Option(name: .long, help: "Write to this file instead of standard output.")
    var out: String?
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let registry = try await global.openRegistry()
        if let out {
            try registry.writeAllowedSigners(to: URL(fileURLWithPath: out))
            print("Wrote \(out).")
        } else {
            print(try registry.allowedSigners(), terminator: "")
        }
    }
}

struct BoardProposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose",
        abstract: "Propose the next keyring version with members added or removed, for the board to sign.",
        discussion: """
        The proposal is written under Reviews/board/proposals/ and does not take effect until 'registry board adopt'.
        Example: registry board propose --add "dana ssh-ed25519 AAAAC3…" --remove carol --expires 2027-12-31
        """
    )

    @Option(name: .long, help: "A member to add: \"<id> ssh-ed25519 <base64>\" (repeatable).")
    var add: [String] = []
    @Option(name: .long, help: "A member id to remove (repeatable).")
    var remove: [String] = []
    @Option(name: .long, help: "The new version's expiry (YYYY-MM-DD).")
    var expires: String?
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let path = try await global.openRegistry().proposeKeyring(add: add, remove: remove, expires: expires)
        print("Wrote \(path); it takes no effect until adopted. Commit it (on a branch), then current and new members sign it with 'registry review sign \(path) --key KEY' (or ssh-keygen -Y sign -n keyring@analytics-registry into \(path).sigs/<member>.sig), then 'registry board adopt' moves it into the chain.")
    }
}

struct BoardAdoptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adopt",
        abstract: "Move a keyring proposal into the chain once threshold-keyring members of the current and the proposed version signed it.",
        discussion: "Example: registry board adopt && git add -A Reviews/board && git commit -m \"Adopt keyring v3\""
    )

    @Option(name: .long, help: "The proposed version (default: the next one).")
    var version: Int?
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let adopted = try await global.openRegistry().adoptKeyring(version: version)
        print("Adopted \(adopted.path), signed by \(adopted.signers.joined(separator: ", ")). Commit it: git add -A Reviews/board && git commit -m \"Adopt \(adopted.path)\"")
    }
}

struct BoardInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write the first keyring version (the trust anchor) for a new registry.",
        discussion: "Example: registry board init --member \"alice ssh-ed25519 AAAA…\" --member \"bob ssh-ed25519 AAAA…\" --member \"carol ssh-ed25519 AAAA…\""
    )

    @Option(name: .long, help: "A member: \"<id> ssh-ed25519 <base64>\" (repeat for each).")
    var member: [String] = []
    @Option(name: .long, help: "The keyring's expiry (YYYY-MM-DD).")
    var expires: String?
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let result = try await global.openRegistry().initializeBoard(members: member, expires: expires)
        print("Wrote \(result.path); its SHA-256 \(result.sha256) is now the trust anchor in registry.json. Every member signs it into \(result.path).sigs/<member>.sig.")
    }
}
