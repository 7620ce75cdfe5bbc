import ArgumentParser
import Foundation
import RegistryCore

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make a folder (or the current git repository) into a product registry.",
        discussion: "Example: registry init --title \"Metro Transit analytics registry\" --contact analytics@metro.example --ci github"
    )

    @Option(name: .long, help: "The folder to set up (default: the current directory).")
    var path: String?
    @Option(name: .long, help: "The registry's public title.")
    var title = "Analytics Registry"
    @Option(name: .long, help: "The address the public can write to about the catalog.")
    var contact = "analytics@agency.example"
    @Option(name: .long, help: "Also write a CI pipeline that checks, gates and publishes the registry: github (.github/workflows/registry.yml) or gitlab (.gitlab-ci.yml).")
    var ci: CIPlatform?
    @Option(name: .long, help: "How many shards the CI pipeline checks the products in (with --ci; default \(CIPipeline.defaultShards)).")
    var shards: Int?
    @Option(name: .long, help: "Where the CI pipeline downloads the pinned registry release from: the folder holding v<version>/install.sh (with --ci; default \(CIPipeline.defaultReleases)).")
    var releases: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if ci == nil, shards != nil || releases != nil {
            throw ValidationError("--shards and --releases shape the CI pipeline; add --ci github or --ci gitlab.")
        }
    }

    func run() async throws {
        let url = URL(fileURLWithPath: path ?? FileManager.default.currentDirectoryPath)
        let pipeline = try ci.map { try CIPipeline(platform: $0, releases: releases ?? CIPipeline.defaultReleases,
                                                 shards: shards ?? CIPipeline.defaultShards) }
        let report = try RegistryWorkspace.initialize(at: url, title: title, contact: contact, pipeline: pipeline)
        try output.emit(report) {
            "Initialised a registry at \(report.path) (\(report.created.count) files created). Next: registry new <product-id>"
        }
    }
}

extension CIPlatform: ExpressibleByArgument {}
