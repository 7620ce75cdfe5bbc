import ArgumentParser
import RegistryCore

struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Prepare the pinned interpreter environments that products' lock files declare.",
        subcommands: [EnvBuildCommand.self]
    )
}

struct EnvBuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build (or find already built) the environment of each product's requirements.lock, outside the sandbox.",
        discussion: """
        The only registry command that uses the network: it installs exactly the hashed wheels the lock names from the
        package index (--index-url, else python_index_url in registry.json, else PyPI) into .registry/envs/<digest>/.
        Example: registry env build --all
        """
    )

    @Argument(help: "The product ids whose environments to build.")
    var ids: [String] = []
    @Flag(name: .long, help: "Build the environment of every product at HEAD that has a lock (for offline runners).")
    var all = false
    @Option(name: .long, help: "The package index to install from (a PEP 503 simple index URL).")
    var indexURL: String?
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry(refreshingIndex: false).buildEnvironments(ids: ids, all: all, indexURL: indexURL)
        try output.emit(report) { report.text }
    }
}
