import ArgumentParser
import RegistryCore

struct LinksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "links",
        abstract: "Check every web address the manifests at HEAD cite, and store the results with their date.",
        discussion: """
        Impact assessment links and addresses in the owner's contact, vendor contract, legal basis and
        objection route are fetched (redirects followed up to --max-redirects). Addresses the public
        cannot reach (not http or https, intranet host names, private, loopback or link-local
        addresses) are reported without fetching, and the address of every connection is judged
        again as it opens, so a name that resolves elsewhere a moment later (DNS rebinding) gets no
        request either. Results go to .registry/links.json, which
        'registry check' and 'registry catalog build' read without touching the network.
        Example: registry links --timeout 5 --json
        """
    )

    @Option(help: "Seconds to wait for each response.")
    var timeout: Double = 10
    @Option(help: "Redirects to follow before a link counts as broken.")
    var maxRedirects: Int = 5
    @Option(help: "Links fetched at once.")
    var jobs: Int = 8
    @Flag(help: "Fetch loopback addresses (127.0.0.1, ::1, localhost) instead of reporting them: for testing against a local server only.")
    var allowLoopback = false
    // Hidden: the tests' local https server has a self-signed certificate; a real registry trusts
    // the system's authorities only.
    @Option(name: .customLong("test-ca-file"), help: ArgumentHelp("Trust this PEM file's certificate authorities instead of the system's: for testing against a local https server only.", visibility: .private))
    var testCAFile: String?
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout must be more than 0 and at most 600 seconds, not \(timeout).") }
        guard (0...20).contains(maxRedirects) else { throw ValidationError("--max-redirects must be between 0 and 20, not \(maxRedirects).") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64, not \(jobs).") }
    }

    func run() async throws {
        let options = LinkCheckOptions(timeout: timeout, maximumRedirects: maxRedirects, allowLoopback: allowLoopback, jobs: jobs,
                                       trustedCertificatesFile: testCAFile)
        let report = try await global.openRegistry().checkLinks(options: options)
        try output.emit(report) {
            TextTable(headers: ["OUTCOME", "STATUS", "LINK", "CITED BY"],
                      rows: report.links.map { link in
                          [link.outcome.rawValue, link.httpStatus.map(String.init) ?? "-", link.address,
                           link.citedBy.map { "\($0.product) \($0.keyPath)" }.joined(separator: "; ")]
                      }).render()
                + "\n\(report.links.filter(\.works).count) of \(report.links.count) links work; results stored in \(report.storedIn) (\(report.checkedAt))."
                + report.links.filter { !$0.works }.map { "\n  \($0.address): \($0.detail)" }.joined()
        }
        if !report.passed { throw FindingsExit() }
    }
}
