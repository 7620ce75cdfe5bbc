import Foundation
import Testing
import TestSupport
import Yams

/// `Deploy/kubernetes/`: an Indexed Job checking shards in parallel pods onto a shared volume, and
/// a merge Job giving the verdict.
@Suite("Kubernetes Indexed Job")
struct KubernetesJobTests {
    /// The verdicts compared: the same shape the sharding tests decode.
    typealias Report = CheckShardingTests.Report

    private static func documents(_ name: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Deploy/kubernetes/\(name)"), encoding: .utf8)
        var sequence = try Yams.load_all(yaml: text)
        var documents: [[String: Any]] = []
        while let document = sequence.next() { documents.append(try #require(document as? [String: Any], "\(name) holds a mapping")) }
        if let error = sequence.error { throw error }
        return documents
    }

    private static func object(_ documents: [[String: Any]], kind: String) throws -> [String: Any] {
        try #require(documents.first { $0["kind"] as? String == kind }, "a \(kind)")
    }

    /// The pod spec of a Job, and the shell script of its first init container and first container.
    private static func pod(_ job: [String: Any]) throws -> (spec: [String: Any], clone: String, main: [String: Any], script: String) {
        let spec = try #require(((job["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        let clone = try #require((spec["initContainers"] as? [[String: Any]])?.first)
        let main = try #require((spec["containers"] as? [[String: Any]])?.first)
        func script(_ container: [String: Any]) throws -> String {
            let command = try #require(container["command"] as? [String])
            #expect(command.prefix(2) == ["/bin/bash", "-c"])
            return try #require(command.last)
        }
        return (spec, try script(clone), main, try script(main))
    }

    @Test("the manifests carry an Indexed Job over a ReadWriteMany volume, and their pod commands, run as N local processes and merged, give check --all's verdicts")
    func podsMatchCheckAll() throws {
        let checkDocuments = try Self.documents("registry-check.yaml")
        let mergeDocuments = try Self.documents("registry-merge.yaml")
        let claim = try Self.object(checkDocuments, kind: "PersistentVolumeClaim")
        #expect(((claim["spec"] as? [String: Any])?["accessModes"] as? [String]) == ["ReadWriteMany"])
        let claimName = try #require((claim["metadata"] as? [String: Any])?["name"] as? String)
        let config = try #require(try Self.object(checkDocuments, kind: "ConfigMap")["data"] as? [String: String])
        let checkJob = try Self.object(checkDocuments, kind: "Job")
        let jobSpec = try #require(checkJob["spec"] as? [String: Any])
        #expect(jobSpec["completionMode"] as? String == "Indexed")
        let shards = try #require(jobSpec["completions"] as? Int)
        #expect(jobSpec["parallelism"] as? Int == shards)
        let check = try Self.pod(checkJob)
        let shardsVariable = (check.main["env"] as? [[String: Any]])?.first { $0["name"] as? String == "SHARDS" }?["value"] as? String
        #expect(shardsVariable == "\(shards)", "SHARDS equals completions")
        #expect(check.script.contains("--shard \"$shard/$SHARDS\"") && check.script.contains("$((JOB_COMPLETION_INDEX + 1))"))
        #expect(check.clone.contains("git clone") && !check.clone.contains("--depth"), "the init container clones the whole history")
        let merge = try Self.pod(try Self.object(mergeDocuments, kind: "Job"))
        #expect(merge.script.contains("registry check --merge"))
        for spec in [check.spec, merge.spec] {
            let volumes = try #require(spec["volumes"] as? [[String: Any]])
            #expect(volumes.contains { ($0["persistentVolumeClaim"] as? [String: Any])?["claimName"] as? String == claimName })
        }

        // A registry of three products, one of which fails its check.
        // Shell products, so the pods' environment builds have nothing to fetch.
        let registry = try FixtureRegistry.scaffolded(products: ["bus-crowding", "station-lighting", "fare-gates"], language: "shell")
        defer { registry.remove() }
        try writeFile("#!/bin/sh\nexit 3\n", to: "Products/fare-gates/main.sh", in: registry.url)
        let manifest = registry.url.appendingPathComponent("Products/fare-gates/product.yaml")
        try Data(try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: "version: 0.1.0", with: "version: 0.2.0").utf8).write(to: manifest)
        #expect(try registry.registry("register", "fare-gates", "-m", "A version that fails").status == 0)
        let revision = try registry.git("rev-parse", "HEAD")

        let scratch = try makeTemporaryDirectory("registry-kubernetes")
        defer { scratch.remove() }
        let results = scratch.url.appendingPathComponent("results")
        var environment = config
        environment["REGISTRY_REPO"] = registry.url.path
        environment["REGISTRY_REVISION"] = revision
        environment["RESULTS"] = results.path
        environment["SHARDS"] = "\(shards)"
        environment["PODS"] = scratch.url.appendingPathComponent("pods").path
        environment["CLONE"] = check.clone
        environment["CHECK"] = check.script
        // The pods of the Indexed Job, all at once, each with its own workspace and index.
        let pods = try runPipelineShell("""
            pids=""
            for index in $(seq 0 $((SHARDS - 1))); do
              (export WORKSPACE="$PODS/$index" JOB_COMPLETION_INDEX="$index"; mkdir -p "$WORKSPACE"; bash -c "$CLONE" && bash -c "$CHECK") &
              pids="$pids $!"
            done
            failed=0
            for pid in $pids; do wait "$pid" || failed=$((failed + 1)); done
            test "$failed" -eq 0
            """, in: scratch.url, environment: environment)
        #expect(pods.status == 0, "every pod completes: \(pods.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: results.appendingPathComponent(revision).path).sorted()
        #expect(written == (1...shards).map { "shard-\($0).json" }, "one whole result per pod, no partial file")

        environment["WORKSPACE"] = scratch.url.appendingPathComponent("pods/merge").path
        environment["CLONE"] = merge.clone
        environment["MERGE"] = merge.script
        let merged = try runPipelineShell("mkdir -p \"$WORKSPACE\" && bash -c \"$CLONE\" && bash -c \"$MERGE\"", in: scratch.url, environment: environment)

        let reference = try FixtureRegistry.cloneOf(registry.url)
        defer { reference.remove() }
        let whole = try reference.registry("check", "--all", "--json")
        let expected = try JSONDecoder().decode(Report.self, from: Data(whole.stdout.utf8))
        #expect(whole.status == 1 && !expected.passed, "the fixture has a failing product")
        #expect(merged.status == whole.status, "the merge pod's verdict: \(merged.stderr)")
        let shardFiles = written.map { results.appendingPathComponent("\(revision)/\($0)").path }
        let mergedReport = try runRegistry(["check", "--merge"] + shardFiles + ["--json"], in: scratch.url.appendingPathComponent("pods/merge/registry"))
        let report = try JSONDecoder().decode(Report.self, from: Data(mergedReport.stdout.utf8))
        #expect(report.passed == expected.passed)
        #expect(report.products == expected.products)
        #expect(report.products.map(\.id) == ["bus-crowding", "fare-gates", "station-lighting"])
    }
}
