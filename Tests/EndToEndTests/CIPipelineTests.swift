import Foundation
import RegistrySupport
import Testing
import TestSupport
import Yams

/// check-jsonschema and actionlint, from the virtual environment `Scripts/test.sh` keeps under `.build/`.
enum PipelineLinters {
    static let bin = packageRoot.appendingPathComponent(".build/ci-lint-venv/bin")
    static let actionlint = bin.appendingPathComponent("actionlint").path
    static let checkJSONSchema = bin.appendingPathComponent("check-jsonschema").path

    static var installed: Bool {
        FileManager.default.isExecutableFile(atPath: actionlint) && FileManager.default.isExecutableFile(atPath: checkJSONSchema)
    }

    /// CI sets `CI` (`.ci/run` too): there a missing linter fails the test instead of skipping it.
    static var inCI: Bool { !["", "false", "0"].contains(ProcessInfo.processInfo.environment["CI"] ?? "") }

    static let skipReason: Comment = "check-jsonschema and actionlint are not in .build/ci-lint-venv and CI is not set: run Scripts/test.sh once to install them"
}

/// Runs a pipeline's shell step the way GitHub's `shell: bash` and GitLab's runner do: `-e` and
/// `pipefail`, with the built `registry` first on PATH (in place of the pinned release).
func runPipelineShell(_ script: String, in directory: URL, environment: [String: String]) throws -> ProcessResult {
    var env = fixtureGitEnvironment
    env["PATH"] = registryExecutable.deletingLastPathComponent().path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
    env["NO_COLOR"] = "1"
    env.merge(environment) { _, new in new }
    return try runProcess("/bin/bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], in: directory, environment: env)
}

/// A `git clone --depth 1` of a registry, as CI runners check out by default; the templates' own
/// git commands deepen it.
func shallowClone(of origin: URL, branch: String? = nil, into clone: URL) throws {
    try git(["clone", "--quiet", "--depth", "1"] + (branch.map { ["--branch", $0] } ?? []) + ["file://" + origin.path, clone.path],
            in: clone.deletingLastPathComponent())
}

@Suite("CI pipelines from registry init --ci", .serialized)
struct CIPipelineTests {
    /// Where each platform reads its pipeline: the paths the README promises.
    static func pipelinePath(_ platform: String) -> String {
        platform == "github" ? ".github/workflows/registry.yml" : ".gitlab-ci.yml"
    }

    /// Runs `registry init --ci` in a new folder and returns the pipeline's text.
    private func initPipeline(_ platform: String, shards: Int, in directory: URL) throws -> String {
        let result = try runRegistry(["init", "--path", directory.path, "--ci", platform, "--shards", "\(shards)", "--json"],
                                     in: directory.deletingLastPathComponent())
        #expect(result.status == 0, "\(result.stderr)")
        let path = Self.pipelinePath(platform)
        #expect(result.stdout.contains(path))
        return try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
    }

    /// A scaffolded registry of two products made with `init --ci platform`, and its parsed pipeline.
    /// Python products make every check job build their pandas environment from the package index.
    private func scaffoldedPipeline(_ platform: String, shards: Int, language: String = "python") throws -> (FixtureRegistry, [String: Any]) {
        let registry = try FixtureRegistry.scaffolded(initArguments: ["--ci", platform, "--shards", "\(shards)"],
                                                      products: ["bus-crowding", "station-lighting"], language: language)
        let path = Self.pipelinePath(platform)
        guard let pipeline = try Yams.load(yaml: String(contentsOf: registry.url.appendingPathComponent(path), encoding: .utf8)) as? [String: Any] else {
            registry.remove()
            throw FixtureError("\(path) is not a YAML mapping")
        }
        return (registry, pipeline)
    }

    @Test("the generated GitHub workflow and GitLab pipeline pass check-jsonschema and actionlint, which reject a broken one",
          .enabled(if: PipelineLinters.installed || PipelineLinters.inCI, PipelineLinters.skipReason))
    func linted() throws {
        try #require(PipelineLinters.installed, "CI must install the linters (Scripts/test.sh does)")
        let directory = try makeTemporaryDirectory("registry-ci-lint")
        defer { directory.remove() }
        for (platform, schema) in [("github", "vendor.github-workflows"), ("gitlab", "vendor.gitlab-ci")] {
            let folder = directory.url.appendingPathComponent(platform)
            let text = try initPipeline(platform, shards: 3, in: folder)
            let file = folder.appendingPathComponent(Self.pipelinePath(platform))
            let broken = folder.appendingPathComponent("broken.yml")
            // A job without its runner or script: both linters must say no, or they prove nothing.
            try Data(text.replacingOccurrences(of: "runs-on: ubuntu-24.04\n", with: "")
                .replacingOccurrences(of: "  script:\n", with: "  scripts:\n").utf8).write(to: broken)
            for (target, valid) in [(file, true), (broken, false)] {
                let schemaCheck = try runProcess(PipelineLinters.checkJSONSchema, ["--builtin-schema", schema, target.path])
                #expect((schemaCheck.status == 0) == valid, "\(platform) \(target.lastPathComponent): \(schemaCheck.stdout)\(schemaCheck.stderr)")
                if platform == "github" {
                    let actionlint = try runProcess(PipelineLinters.actionlint, ["-no-color", target.path], in: folder)
                    #expect((actionlint.status == 0) == valid, "\(target.lastPathComponent): \(actionlint.stdout)\(actionlint.stderr)")
                }
            }
        }
    }

    @Test("the pipelines pin this release, shard as asked, keep history, and publish on the default branch")
    func pinned() throws {
        let directory = try makeTemporaryDirectory("registry-ci-pins")
        defer { directory.remove() }
        let version = try runRegistry(["--version"], in: directory.url).stdout.split(separator: " ").first { $0.first?.isNumber == true }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let github = try #require(try Yams.load(yaml: try initPipeline("github", shards: 5, in: directory.url.appendingPathComponent("g"))) as? [String: Any])
        let env = try #require(github["env"] as? [String: Any])
        #expect(env["REGISTRY_VERSION"] as? String == version)
        #expect(env["SHARDS"] as? String == "5")
        let jobs = try #require(github["jobs"] as? [String: Any])
        let check = try #require(jobs["check"] as? [String: Any])
        let matrix = (check["strategy"] as? [String: Any])?["matrix"] as? [String: Any]
        #expect(matrix?["shard"] as? [Int] == [1, 2, 3, 4, 5])
        for job in ["check", "gate"] {
            let steps = try #require((jobs[job] as? [String: Any])?["steps"] as? [[String: Any]])
            #expect(((steps.first?["with"] as? [String: Any])?["fetch-depth"] as? Int) == 0, "\(job) checks out the whole history")
            #expect(steps.allSatisfy { ($0["uses"] as? String).map { $0.range(of: #"@v\d+\.\d+\.\d+$"#, options: .regularExpression) != nil } ?? true },
                    "every action is pinned to a release")
        }
        let publish = try #require((jobs["publish"] as? [String: Any])?["steps"] as? [[String: Any]])
        #expect((publish.first?["uses"] as? String)?.hasPrefix("actions/deploy-pages@") == true)

        let gitlab = try #require(try Yams.load(yaml: try initPipeline("gitlab", shards: 5, in: directory.url.appendingPathComponent("l"))) as? [String: Any])
        #expect((gitlab["variables"] as? [String: Any])?["GIT_DEPTH"] as? String == "0")
        #expect((gitlab["check"] as? [String: Any])?["parallel"] as? Int == 5)
        let pages = try #require(gitlab["pages"] as? [String: Any])
        #expect(((pages["artifacts"] as? [String: Any])?["paths"] as? [String]) == ["public"])
        #expect((pages["script"] as? [String])?.contains("registry catalog build --out public") == true)

        // An existing pipeline is the agency's own: init leaves it alone.
        let again = try runRegistry(["init", "--ci", "github", "--shards", "2"], in: directory.url.appendingPathComponent("g"))
        #expect(again.status == 0)
        #expect(try String(contentsOf: directory.url.appendingPathComponent("g/.github/workflows/registry.yml"), encoding: .utf8).contains("SHARDS: \"5\""))
    }

    @Test("init refuses pipeline options it cannot honour, in one sentence, with exit status 2")
    func badOptions() throws {
        let directory = try makeTemporaryDirectory("registry-ci-bad")
        defer { directory.remove() }
        let cases: [([String], String)] = [
            (["--ci", "jenkins"], "jenkins"),
            (["--ci", "github", "--shards", "0"], "--shards 0 must be between 1 and 200"),
            (["--ci", "gitlab", "--releases", "ftp://mirror.example/registry"], "--releases 'ftp://mirror.example/registry' is not an http(s) address"),
            (["--shards", "3"], "add --ci github or --ci gitlab"),
        ]
        for (arguments, message) in cases {
            let result = try runRegistry(["init", "--path", "fresh"] + arguments, in: directory.url)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("bug"))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("fresh").path), "nothing is created")
    }

    @Test("the workflow's own shell steps, run in order on shallow clones, gate pushes and pull requests")
    func workflowSteps() throws {
        let (registry, workflow) = try scaffoldedPipeline("github", shards: 3)
        defer { registry.remove() }

        // A push to the default branch: every shard passes (the third has no product), the gate
        // passes, and the catalog is built for Pages.
        let push = try GitHubWorkflowRun(workflow: workflow, origin: registry.url, event: .push)
        defer { push.remove() }
        let pushed = try push.run()
        #expect(pushed.checkJobsPassed)
        #expect(pushed.gate["Merge the shards"] == 0)
        #expect(pushed.gate["Gate on approvals"] == 0)
        #expect(pushed.gate["Gate on the audit trail"] == 0)
        #expect(pushed.gate["Build the catalog"] == 0)
        #expect(pushed.gate["actions/upload-pages-artifact"] == 0, "the Pages artifact holds the catalog")
        #expect(pushed.gate["Write the review report"] == .some(nil), "no review report outside pull requests")
        #expect(pushed.fullHistory, "the template's own git commands deepened the shallow clone and fetched the audit trail")

        // The same push with one shard's artifact lost: the merge refuses the incomplete set.
        let incomplete = try GitHubWorkflowRun(workflow: workflow, origin: registry.url, event: .push, losingArtifact: "shard-2")
        defer { incomplete.remove() }
        let refused = try incomplete.run()
        #expect(refused.gate["Merge the shards"] == 2)
        #expect(refused.gate["Gate on approvals"] == .some(nil), "a failed step stops the job")
        #expect(refused.gate["Build the catalog"] == .some(nil))

        // A pull request putting a product in use without approvals: checks pass, the approval gate fails.
        try registry.git("checkout", "-q", "-b", "use-lighting")
        let manifest = registry.url.appendingPathComponent("Products/station-lighting/product.yaml")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "status: proposed", with: "status: in-use")
            .replacingOccurrences(of: "version: 0.1.0", with: "version: 0.2.0").utf8).write(to: manifest)
        let registered = try registry.registry("register", "station-lighting", "-m", "Put station lighting in use")
        #expect(registered.status == 0, "\(registered.stderr)")
        try registry.git("checkout", "-q", "main")
        let pull = try GitHubWorkflowRun(workflow: workflow, origin: registry.url, event: .pullRequest(head: "use-lighting", base: "main"))
        defer { pull.remove() }
        let pulled = try pull.run()
        #expect(pulled.checkJobsPassed)
        #expect(pulled.gate["Merge the shards"] == 0)
        #expect(pulled.gate["Gate on approvals"] == 1)
        #expect(pulled.gate["Gate on the audit trail"] == .some(nil))
        #expect(pulled.gate["Build the catalog"] == .some(nil), "pull requests publish nothing")
        #expect(pulled.gate["Write the review report"] == 0)
        #expect(pulled.reportWritten)
    }

    @Test("the GitLab pipeline's own scripts, run in order on shallow clones, gate a push and build Pages")
    func gitlabScripts() throws {
        // Shell products: the GitHub run above already builds environments in its check jobs.
        let (registry, pipeline) = try scaffoldedPipeline("gitlab", shards: 2, language: "shell")
        defer { registry.remove() }
        let scratch = try makeTemporaryDirectory("registry-gitlab-run")
        defer { scratch.remove() }
        var environment = try #require(pipeline["variables"] as? [String: String])
        #expect(environment["GIT_DEPTH"] == "0")
        environment["CI_COMMIT_BRANCH"] = "main"
        environment["CI_DEFAULT_BRANCH"] = "main"
        // The install items are replaced by the built registry on PATH.
        let setup = try #require((pipeline["default"] as? [String: Any])?["before_script"] as? [String])
            .filter { !$0.hasPrefix("apt-get ") && !$0.contains("install.sh") }
        func job(_ name: String) throws -> (script: [String], after: [String]) {
            let job = try #require(pipeline[name] as? [String: Any])
            let script = try #require(job["script"] as? [String])
            return (script, job["after_script"] as? [String] ?? [])
        }
        /// One job in its own shallow clone: before_script and script in one shell, as the runner does.
        func run(_ name: String, clone: String, extra: [String: String] = [:], shards: URL? = nil) throws -> (ProcessResult, URL) {
            let folder = scratch.url.appendingPathComponent(clone)
            try shallowClone(of: registry.url, into: folder)
            if let shards { try FileManager.default.copyItem(at: shards, to: folder.appendingPathComponent("shards")) }
            let result = try runPipelineShell((setup + job(name).script).joined(separator: "\n"), in: folder,
                                              environment: environment.merging(extra) { _, new in new })
            return (result, folder)
        }

        let check = try #require(pipeline["check"] as? [String: Any])
        let parallel = try #require(check["parallel"] as? Int)
        let artifacts = scratch.url.appendingPathComponent("artifacts/shards")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        for index in 1...parallel {
            let (result, folder) = try run("check", clone: "check-\(index)", extra: ["CI_NODE_INDEX": "\(index)", "CI_NODE_TOTAL": "\(parallel)"])
            #expect(result.status == 0, "check \(index)/\(parallel): \(result.stderr)")
            try FileManager.default.copyItem(at: folder.appendingPathComponent("shards/shard-\(index).json"),
                                             to: artifacts.appendingPathComponent("shard-\(index).json"))
        }
        let (gate, gateFolder) = try run("gate", clone: "gate", shards: artifacts)
        #expect(gate.status == 0, "\(gate.stderr)")
        #expect(try TestSupport.git(["rev-parse", "--is-shallow-repository"], in: gateFolder) == "false")
        let after = try runPipelineShell(try job("gate").after.joined(separator: "\n"), in: gateFolder, environment: environment)
        #expect(after.status == 0, "outside merge requests the report step does nothing: \(after.stderr)")
        let pagesRule = ((pipeline["pages"] as? [String: Any])?["rules"] as? [[String: Any]])?.first?["if"] as? String
        #expect(pagesRule == "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH")
        let (pages, pagesFolder) = try run("pages", clone: "pages", shards: artifacts)
        #expect(pages.status == 0, "\(pages.stderr)")
        #expect(FileManager.default.fileExists(atPath: pagesFolder.appendingPathComponent("public/index.html").path))

        try FileManager.default.removeItem(at: artifacts.appendingPathComponent("shard-2.json"))
        let (incomplete, _) = try run("gate", clone: "gate-incomplete", shards: artifacts)
        #expect(incomplete.status == 2, "the merge refuses an incomplete set")
        #expect(incomplete.stderr.contains("Shard 2/2"))
    }
}

/// Runs a GitHub workflow's `check` matrix and `gate` job as a runner would: each job in a fresh
/// `git clone --depth 1` of the registry (the checkout action's default; the template's own git
/// commands deepen it), `run:` steps in order under `bash -eo pipefail`, a failed step skipping the
/// rest but `always()` steps, and artifacts handed over through a folder.
///
/// Not run: the install step (the built `registry` is first on PATH instead) and `gh` (it posts to GitHub's API; the test checks the file it would post instead).
struct GitHubWorkflowRun {
    enum Event {
        case push
        case pullRequest(head: String, base: String)
    }

    /// Each step's exit status by name (or action), `nil` when skipped.
    struct Outcome {
        var checkJobsPassed = true
        var gate: [String: Int32?] = [:]
        var fullHistory = false
        var reportWritten = false
    }

    let workflow: [String: Any]
    let origin: URL
    let event: Event
    var losingArtifact: String?
    private let scratch: TemporaryDirectory

    init(workflow: [String: Any], origin: URL, event: Event, losingArtifact: String? = nil) throws {
        self.workflow = workflow
        self.origin = origin
        self.event = event
        self.losingArtifact = losingArtifact
        scratch = try makeTemporaryDirectory("registry-workflow-run")
    }

    func remove() { scratch.remove() }

    func run() throws -> Outcome {
        var outcome = Outcome()
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        let check = try #require(jobs["check"] as? [String: Any])
        let shards = try #require(((check["strategy"] as? [String: Any])?["matrix"] as? [String: Any])?["shard"] as? [Int])
        for shard in shards {
            let (steps, _) = try runJob(check, name: "check-\(shard)", matrix: ["shard": "\(shard)"])
            let failed = steps.values.contains { ($0 ?? 0) != 0 }
            outcome.checkJobsPassed = outcome.checkJobsPassed && !failed
        }
        let gate = try #require(jobs["gate"] as? [String: Any])
        let (steps, clone) = try runJob(gate, name: "gate", matrix: [:])
        outcome.gate = steps
        outcome.fullHistory = try TestSupport.git(["rev-parse", "--is-shallow-repository"], in: clone) == "false"
            && (try? TestSupport.git(["rev-parse", "--verify", "refs/registry/audit"], in: clone)) != nil
        let report = clone.appendingPathComponent("review-report.md")
        outcome.reportWritten = ((try? Data(contentsOf: report))?.count ?? 0) > 0
        return outcome
    }

    private var artifacts: URL { scratch.url.appendingPathComponent("artifacts") }

    private func runJob(_ job: [String: Any], name: String, matrix: [String: String]) throws -> ([String: Int32?], URL) {
        let clone = scratch.url.appendingPathComponent(name)
        var head: String?
        if case let .pullRequest(branch, _) = event { head = branch }
        try shallowClone(of: origin, branch: head, into: clone)
        let steps = try #require(job["steps"] as? [[String: Any]])
        let workflowEnvironment = try environment(workflow["env"], matrix: matrix)
        var results: [String: Int32?] = [:]
        var failed = false
        for step in steps {
            let label = (step["name"] as? String) ?? (step["uses"] as? String)?.components(separatedBy: "@").first ?? "step"
            guard try condition(step["if"] as? String, failed: failed, results: results) else {
                results[label] = .some(nil)
                continue
            }
            let status: Int32?
            if let action = step["uses"] as? String {
                status = try use(action, with: step["with"] as? [String: Any] ?? [:], in: clone, matrix: matrix)
            } else {
                let script = try #require(step["run"] as? String)
                if try skipped(label, script) {
                    status = nil
                } else {
                    let env = workflowEnvironment.merging(try environment(step["env"], matrix: matrix)) { _, step in step }
                    let result = try runPipelineShell(script, in: clone, environment: env)
                    if result.status != 0 { print("\(name) › \(label) exited \(result.status): \(result.stderr)") }
                    status = result.status
                }
            }
            results[label] = .some(status)
            if let status, status != 0, step["continue-on-error"] as? Bool != true { failed = true }
        }
        return (results, clone)
    }

    private func skipped(_ label: String, _ script: String) throws -> Bool {
        if label == "Install registry" { return true } // the built registry is on PATH instead
        return script.hasPrefix("gh ") // posts to GitHub's API
    }

    private func use(_ action: String, with inputs: [String: Any], in clone: URL, matrix: [String: String]) throws -> Int32 {
        let fileManager = FileManager.default
        switch action.components(separatedBy: "@").first {
        case "actions/checkout":
            #expect(inputs["fetch-depth"] as? Int == 0)
            return 0 // the clone made before the job's steps
        case "actions/upload-artifact":
            let name = try substitute(try #require(inputs["name"] as? String), matrix: matrix)
            guard name != losingArtifact else { return 0 }
            let path = try #require(inputs["path"] as? String)
            try fileManager.createDirectory(at: artifacts, withIntermediateDirectories: true)
            try fileManager.copyItem(at: clone.appendingPathComponent(path), to: artifacts.appendingPathComponent(name))
            return 0
        case "actions/download-artifact":
            #expect(inputs["merge-multiple"] as? Bool == true)
            let target = clone.appendingPathComponent(try #require(inputs["path"] as? String))
            try fileManager.createDirectory(at: target, withIntermediateDirectories: true)
            for artifact in (try? fileManager.contentsOfDirectory(atPath: artifacts.path)) ?? [] {
                for file in try fileManager.contentsOfDirectory(atPath: artifacts.appendingPathComponent(artifact).path) {
                    try fileManager.copyItem(at: artifacts.appendingPathComponent("\(artifact)/\(file)"), to: target.appendingPathComponent(file))
                }
            }
            return 0
        case "actions/upload-pages-artifact":
            let site = clone.appendingPathComponent(try #require(inputs["path"] as? String))
            return fileManager.fileExists(atPath: site.appendingPathComponent("index.html").path) ? 0 : 1
        default:
            Issue.record("the test does not know the action \(action)")
            return 1
        }
    }

    /// The expressions the template uses, with the values a runner gives them for this event.
    private func expression(_ text: String, matrix: [String: String]) throws -> String {
        switch text {
        case "matrix.shard": return try #require(matrix["shard"])
        case "github.base_ref": return baseBranch ?? ""
        case "github.token": return ""
        case "github.event.pull_request.number": return baseBranch == nil ? "" : "1"
        default:
            Issue.record("the test does not know the expression \(text)")
            return ""
        }
    }

    private func environment(_ value: Any?, matrix: [String: String]) throws -> [String: String] {
        var result: [String: String] = [:]
        for (key, raw) in value as? [String: Any] ?? [:] {
            result[key] = try substitute("\(raw)", matrix: matrix)
        }
        return result
    }

    private func substitute(_ value: String, matrix: [String: String]) throws -> String {
        var text = value
        while let open = text.range(of: "${{ "), let close = text.range(of: " }}", range: open.upperBound..<text.endIndex) {
            text.replaceSubrange(open.lowerBound..<close.upperBound, with: try expression(String(text[open.upperBound..<close.lowerBound]), matrix: matrix))
        }
        return text
    }

    /// The pull request's target branch; nil for a push.
    private var baseBranch: String? {
        switch event {
        case .push: nil
        case let .pullRequest(_, base): base
        }
    }

    /// The `if:` conditions the template uses, as a runner evaluates them.
    private func condition(_ text: String?, failed: Bool, results: [String: Int32?]) throws -> Bool {
        let isPullRequest = baseBranch != nil
        switch text {
        case nil:
            return !failed
        case "${{ always() && github.event_name == 'pull_request' }}":
            return isPullRequest
        case "${{ always() && steps.report.outcome == 'success' }}":
            return results["Write the review report"] == .some(0)
        case "${{ github.event_name == 'push' && github.ref_name == github.event.repository.default_branch }}":
            return !failed && !isPullRequest // this test's pushes are to the default branch
        case let other?:
            Issue.record("the test does not know the condition \(other)")
            return false
        }
    }
}
