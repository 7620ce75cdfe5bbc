import Foundation
import Testing
import TestSupport

/// `registry report --base REV` through the built binary, on a branch of a clone of the example
/// registry: what a reviewer of the pull request reads, and that its commands work as printed.
@Suite("Review report")
struct ReviewReportTests {
    struct Report: Decodable {
        struct Signer: Decodable { let member: String; let fingerprint: String; let commands: [String] }
        struct Version: Decodable {
            let before: String?
            let after: String?
            let raise: String?
            let expected_raise: String?
            let fits: Bool?
        }
        struct Change: Decodable { let key_path: String; let before: String?; let after: String? }
        struct Check: Decodable {
            struct Breakdown: Decodable { let attributes: [String] }
            let state: String
            let disparity: [Breakdown]
            let next_step: String?
        }
        struct Approval: Decodable {
            let state: String
            let threshold_name: String
            let threshold: Int
            let approved_by: [String]
            let still_needed: Int
            let may_approve: [Signer]
        }
        struct Product: Decodable {
            let id: String
            let change: String
            let version: Version
            let changes: [Change]
            let demographic_fields_added: [String]
            let check: Check?
            let approval: Approval?
        }
        struct Proposal: Decodable {
            struct Summary: Decodable { let path: String; let ready: Bool; let previous_signers: [String] }
            let proposal: Summary
            let still_needed_current: Int
            let may_still_sign: [Signer]
        }
        let merge_base: String
        let head: String
        let products: [Product]
        let keyring_proposals: [Proposal]

        func product(_ id: String) throws -> Product { try #require(products.first { $0.id == id }, "\(id) in \(products.map(\.id))") }
    }

    static let proposal = "Reviews/board/proposals/keyring.v0003"

    func report(_ registry: FixtureRegistry, base: String = "base") throws -> Report {
        let result = try registry.registry("report", "--base", base, "--json")
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    }

    /// Replaces `old` by `new` in a file of the registry, failing when `old` is not there.
    func edit(_ registry: FixtureRegistry, _ path: String, _ old: String, _ new: String) throws {
        let url = registry.url.appendingPathComponent(path)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(old), "\(path) holds no '\(old)'")
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
    }

    /// A branch off `base` with a new product, a changed product, a demographic field added, a
    /// removed product and a keyring proposal signed by one member, checked as CI does (shards,
    /// then `check --merge`).
    func pullRequestBranch(checked: Bool) throws -> FixtureRegistry {
        let registry = try FixtureRegistry.cloneOfExamples()
        try registry.git("branch", "base")
        try registry.git("switch", "-q", "-c", "feature")

        let scaffold = try registry.registry("new", "station-crowding", "--language", "shell")
        #expect(scaffold.status == 0, "\(scaffold.stderr)")
        #expect(try registry.registry("register", "station-crowding", "-m", "New product").status == 0)

        let triage = "Products/calls-for-service-triage/product.yaml"
        let triageVersion = try registry.versionLabel(of: "calls-for-service-triage")
        try edit(registry, triage, "version: \"\(triageVersion)\"", "version: \"\(nextPatch(of: triageVersion))\"")
        try edit(registry, triage, "time_limit_seconds: 30", "time_limit_seconds: 45")
        let registered = try registry.registry("register", "calls-for-service-triage", "-m", "More time")
        #expect(registered.status == 0, "\(registered.stderr)")

        let hotspots = "Products/station-incident-hotspots/product.yaml"
        let hotspotsVersion = try registry.versionLabel(of: "station-incident-hotspots")
        try edit(registry, hotspots, "version: \"\(hotspotsVersion)\"", "version: \"\(nextPatch(of: hotspotsVersion))\"")
        try edit(registry, hotspots, "      - incident_type\ndemographic_fields: []", """
                  - incident_type
                  - victim_age_band
            demographic_fields:
              - field: victim_age_band
                source: security-incident-reports
                justification: Shows whether incidents against young riders cluster | <b>see</b> @safety-team [map](http://example.org)
            """)
        let demographic = try registry.registry("register", "station-incident-hotspots", "-m", "Victim age band")
        #expect(demographic.status == 0, "\(demographic.stderr)\(demographic.stdout)")

        try registry.git("rm", "-q", "-r", "Products/legacy-patrol-forecast")
        try registry.git("commit", "-q", "-m", "Retire the legacy forecast")

        #expect(try registry.registry("board", "propose", "--remove", "carol").status == 0)
        let signed = try registry.registry("review", "sign", Self.proposal, "--key", try registry.demoKey("alice").path)
        #expect(signed.status == 0, "\(signed.stderr)")
        try registry.git("add", "Reviews/board")
        try registry.git("commit", "-q", "-m", "Propose keyring v3 without carol")

        guard checked else { return registry }
        var shards: [String] = []
        for shard in ["1/2", "2/2"] {
            let result = try registry.registry("check", "--all", "--shard", shard, "--json")
            #expect(result.status != 2, "\(result.stderr)")
            let file = registry.url.appendingPathComponent(".registry/shard-\(shards.count + 1).json")
            try Data(result.stdout.utf8).write(to: file)
            shards.append(file.path)
        }
        let merged = try registry.registry(["check", "--merge"] + shards)
        #expect(merged.status != 2, "\(merged.stderr)")
        return registry
    }

    @Test("a pull request's report names each change, the demographic field, the verdict, who must sign and how")
    func pullRequest() throws {
        let registry = try pullRequestBranch(checked: true)
        defer { registry.remove() }
        let report = try report(registry)
        #expect(report.products.map(\.id) == ["calls-for-service-triage", "legacy-patrol-forecast", "station-crowding", "station-incident-hotspots"])
        #expect(report.products.map(\.change) == ["changed", "removed", "added", "changed"])
        #expect(report.merge_base == (try registry.git("rev-parse", "base")))
        #expect(report.head == (try registry.git("rev-parse", "HEAD")))

        let triage = try report.product("calls-for-service-triage")
        let triageVersion = try registry.versionLabel(of: "calls-for-service-triage")
        #expect(triage.version.after == triageVersion && nextPatch(of: triage.version.before ?? "") == triageVersion, "\(triage.version)")
        #expect(triage.version.raise == "patch" && triage.version.fits == true)
        #expect(triage.changes.map(\.key_path) == ["version", "run.time_limit_seconds"])
        #expect(triage.changes.last?.before == "30" && triage.changes.last?.after == "45")
        // The merged shards' verdict, with the disparity summary of its audit block.
        struct Verdict: Decodable { let passed: Bool }
        let checked = try registry.registry("check", "calls-for-service-triage", "--json")
        let passed = try JSONDecoder().decode(Verdict.self, from: Data(checked.stdout.utf8)).passed
        #expect(triage.check?.state == (passed ? "passed" : "failed"))
        #expect(triage.check?.disparity.isEmpty == false)
        #expect(triage.approval?.threshold_name == "threshold-approval" && triage.approval?.threshold == 2)
        #expect(triage.approval?.approved_by == [] && triage.approval?.still_needed == 2)

        let hotspots = try report.product("station-incident-hotspots")
        #expect(hotspots.demographic_fields_added == ["victim_age_band"])
        #expect(hotspots.changes.map(\.key_path).contains("demographic_fields[victim_age_band].justification"))
        #expect(hotspots.version.raise == "patch" && hotspots.version.expected_raise == "major" && hotspots.version.fits == false)
        let approval = try #require(hotspots.approval)
        #expect(approval.threshold_name == "threshold-approval-demographic" && approval.threshold == 3)
        #expect(approval.approved_by.isEmpty && approval.still_needed == 3)
        #expect(approval.may_approve.map(\.member) == ["alice", "bob", "carol", "dave", "frank"])
        #expect(approval.may_approve.allSatisfy { $0.fingerprint.hasPrefix("SHA256:") })
        #expect(approval.may_approve.first?.commands.first == "registry review template station-incident-hotspots --reviewer alice")

        #expect(try report.product("station-crowding").approval?.still_needed == 2)
        #expect(try report.product("station-crowding").check?.state != "not_checked")
        let removed = try #require(try report.product("legacy-patrol-forecast").version.before)
        #expect(try registry.git("show", "base:Products/legacy-patrol-forecast/product.yaml").contains("\nversion: \"\(removed)\"\n"),
                "the removed product's version before is the one it carried at the base")

        let proposal = try #require(report.keyring_proposals.first)
        #expect(proposal.proposal.path == Self.proposal && !proposal.proposal.ready)
        #expect(proposal.proposal.previous_signers == ["alice"] && proposal.still_needed_current == 2)
        #expect(proposal.may_still_sign.map(\.member) == ["bob", "carol", "dave", "frank"])
        #expect(proposal.may_still_sign.first?.commands.first == "registry review sign \(Self.proposal) --key ~/.ssh/id_ed25519")

        let hotspotsVersion = try registry.versionLabel(of: "station-incident-hotspots")
        let markdown = try registry.registry("report", "--base", "base", "--markdown")
        #expect(markdown.status == 0, "\(markdown.stderr)")
        for expected in ["### New product:", "### Removed product:", "| **Demographic fields added** | **victim\\_age\\_band** |",
                         "threshold-approval-demographic", "**does not fit the change**", "3 more needed from any of alice, bob, carol, dave, frank",
                         "registry review sign Reviews/station-incident-hotspots/\(hotspotsVersion)/alice.approval --key ~/.ssh/id_ed25519",
                         "### Board keyring proposal `\(Self.proposal)`", "Fairness between groups"] {
            #expect(markdown.stdout.contains(expected), "no '\(expected)' in:\n\(markdown.stdout)")
        }
        // Analyst text cannot break the table, render HTML or a link, or mention anyone.
        #expect(markdown.stdout.contains("cluster \\| &lt;b\\>see&lt;/b\\> &#64;safety-team \\[map\\](http://example.org) |"), "\(markdown.stdout)")
        #expect(!markdown.stdout.contains("<b>") && !markdown.stdout.contains("@safety-team") && !markdown.stdout.contains("[map]"))
        let text = try registry.registry("report", "--base", "base")
        #expect(text.status == 0 && text.stdout.contains("DEMOGRAPHIC FIELDS ADDED: victim_age_band"), "\(text.stdout)")

        // New policy parameters on the branch make the recorded result outdated, never passed.
        let policy = try String(contentsOf: registry.url.appendingPathComponent("Reviews/board/policy.v0001"), encoding: .utf8)
        try writeFile(policy.replacingOccurrences(of: "\nversion: 1\n", with: "\nversion: 2\n")
                          .replacingOccurrences(of: "minimum-cell-size: 11", with: "minimum-cell-size: 12"),
                      to: "Reviews/board/policy.v0002", in: registry.url)
        try registry.git("add", "Reviews/board")
        try registry.git("commit", "-q", "-m", "Raise the minimum cell size")
        let outdated = try self.report(registry).product("calls-for-service-triage").check
        #expect(outdated?.state == "outdated", "\(String(describing: outdated))")
        #expect(outdated?.next_step?.contains("other policy parameters") == true)
    }

    @Test("the printed commands, run as printed by a member, make that member's approval count")
    func commandsWork() throws {
        let registry = try pullRequestBranch(checked: false)
        defer { registry.remove() }
        let bob = try #require(try report(registry).product("calls-for-service-triage").approval?.may_approve.first { $0.member == "bob" })
        let key = try registry.demoKey("bob").path
        let beforeApproval = try registry.git("rev-parse", "HEAD")
        for command in bob.commands {
            let result = try runProcess("/bin/sh", ["-c", command.replacingOccurrences(of: "~/.ssh/id_ed25519", with: key)],
                                        in: registry.url, environment: fixtureGitEnvironment.merging(
                                            ["PATH": registryExecutable.deletingLastPathComponent().path + ":/usr/bin:/bin"]) { $1 })
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        let after = try #require(try report(registry).product("calls-for-service-triage").approval)
        #expect(after.approved_by == ["bob"] && after.still_needed == 1)
        #expect(!after.may_approve.map(\.member).contains("bob"))

        // A branch that only adds statements shows the product as reviewed, with the new state.
        let reviewed = try report(registry, base: beforeApproval)
        #expect(reviewed.products.map(\.id) == ["calls-for-service-triage"])
        #expect(reviewed.products.first?.change == "reviewed")
        #expect(reviewed.products.first?.approval?.approved_by == ["bob"])
    }

    @Test("a report too long for one comment keeps every product's summary table and stays under the limit")
    func longReport() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        try registry.git("branch", "base")
        let source = registry.url.appendingPathComponent("Products/station-incident-hotspots")
        let copies = (10..<50).map { "hotspots-copy-\($0)" }
        for id in copies {
            let folder = registry.url.appendingPathComponent("Products/\(id)")
            try FileManager.default.copyItem(at: source, to: folder)
            try edit(registry, "Products/\(id)/product.yaml", "id: station-incident-hotspots", "id: \(id)")
        }
        // File names are not checked by git: one that holds Markdown or HTML must stay text.
        try writeFile("x\n", to: "Reviews/board/proposals/keyring `<img src=x>`", in: registry.url)
        try registry.git("add", "Products", "Reviews")
        try registry.git("commit", "-q", "-m", "Forty products at once")
        let full = try report(registry)
        #expect(full.products.map(\.id) == copies)
        #expect(full.products.allSatisfy { $0.approval?.may_approve.count == 5 })

        let markdown = try registry.registry("report", "--base", "base", "--markdown")
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(markdown.stdout.utf8.count <= 60_000, "\(markdown.stdout.utf8.count) bytes")
        #expect(markdown.stdout.contains("This report is too long for one comment"))
        for id in copies { #expect(markdown.stdout.contains("(`\(id)`)"), "\(id) has no section") }
        #expect(!markdown.stdout.contains("<details>"))
        #expect(markdown.stdout.contains("### Board keyring proposal Reviews/board/proposals/keyring \\`&lt;img src=x\\>\\`\n"), "\(markdown.stdout)")
        #expect(!markdown.stdout.contains("<img"))
        #expect(full.keyring_proposals.first?.may_still_sign.isEmpty == true)

        let both = try registry.registry("report", "--base", "base", "--markdown", "--json")
        #expect(both.status == 2 && both.stderr.contains("--markdown or --json"), "\(both.stderr)")
    }

    @Test("an unknown base, unrelated or shallow history exit 2 with one sentence; no changes says so")
    func refusals() throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { registry.remove() }
        let unknown = try registry.registry("report", "--base", "origin/nowhere", "--markdown")
        #expect(unknown.status == 2 && unknown.stdout.isEmpty)
        #expect(unknown.stderr == "registry: The base revision 'origin/nowhere' does not name a commit in this repository; fetch it first (for example 'git fetch origin main') and pass 'origin/main', or pass a commit id.\n")

        for format in [[], ["--markdown"]] {
            let same = try registry.registry(["report", "--base", "HEAD"] + format)
            #expect(same.status == 0, "\(same.stderr)")
            #expect(same.stdout.contains("No product changes and no keyring proposals since the common ancestor with 'HEAD'."), "\(same.stdout)")
        }

        try registry.git("switch", "-q", "--orphan", "unrelated")
        try registry.git("checkout", "main", "--", "Products", ".gitignore")
        try registry.git("commit", "-q", "-m", "Unrelated root")
        let unrelated = try registry.registry("report", "--base", "main")
        #expect(unrelated.status == 2)
        #expect(unrelated.stderr.contains("share no history"), "\(unrelated.stderr)")

        try registry.git("switch", "-q", "main")
        try registry.git("switch", "-q", "-c", "feature")
        try writeFile("# note\n", to: "Products/station-incident-hotspots/NOTES.md", in: registry.url)
        try registry.git("add", "-A")
        try registry.git("commit", "-q", "-m", "Notes")
        let shallow = try makeTemporaryDirectory("registry-shallow")
        defer { shallow.remove() }
        try git(["clone", "-q", "--depth", "1", "--no-single-branch", "--branch", "feature", "file://\(registry.url.path)", shallow.url.path],
                in: registry.url)
        let cut = try runRegistry(["report", "--base", "origin/main"], in: shallow.url)
        #expect(cut.status == 2)
        #expect(cut.stderr.contains("shallow clone") && cut.stderr.contains("git fetch --unshallow"), "\(cut.stderr)")

        // Deep enough to hold the common ancestor, a shallow clone reports as a full one does.
        let deeper = try makeTemporaryDirectory("registry-shallow")
        defer { deeper.remove() }
        try git(["clone", "-q", "--depth", "2", "--no-single-branch", "--branch", "feature", "file://\(registry.url.path)", deeper.url.path],
                in: registry.url)
        let whole = try runRegistry(["report", "--base", "origin/main", "--json"], in: deeper.url)
        #expect(whole.status == 0, "\(whole.stderr)")
        let found = try JSONDecoder().decode(Report.self, from: Data(whole.stdout.utf8))
        #expect(found.products.map(\.id) == ["station-incident-hotspots"] && found.products.first?.change == "changed")
        #expect(found.merge_base == (try registry.git("rev-parse", "main")))
    }
}
