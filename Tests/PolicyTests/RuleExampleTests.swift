import Foundation
import Policy
import ProductModel
import RegistrySupport
import Testing
import TestSupport

/// Writes an example's texts into a product folder and builds the context the core would.
func context(for example: RuleExample, in directory: URL) throws -> RuleContext {
    var samples: [String: URL] = [:]
    for input in example.manifest.inputs {
        guard let text = example.samples[input.name] else { continue }
        try writeFile(text, to: input.sample, in: directory)
        samples[input.name] = directory.appendingPathComponent(input.sample)
    }
    var auditURL: URL?
    if let audit = example.manifest.audit, let text = example.audit {
        try writeFile(text, to: audit.file, in: directory)
        auditURL = directory.appendingPathComponent(audit.file)
    }
    var run = example.run
    if run != nil {
        for (name, text) in example.outputs {
            try writeFile(text, to: "output/\(name)", in: directory)
            run?.outputs[name] = directory.appendingPathComponent("output/\(name)")
        }
        run?.secondRunDigests = example.secondRunOutputs?.mapValues { SHA256Hex.of($0) }
    }
    return RuleContext(manifest: example.manifest, parameters: example.parameters, today: example.today,
                       samples: samples, auditFile: auditURL, run: run)
}

/// One example of one rule, named for test output.
struct ExampleCase: CustomTestStringConvertible, Sendable {
    let rule: any PolicyRule.Type
    let example: RuleExample
    let triggers: Bool
    var testDescription: String {
        "\(rule.description.id): \(triggers ? "flags" : "passes") \(example.summary)"
    }
}

let exampleCases: [ExampleCase] = allPolicyRules.flatMap { rule in
    rule.description.triggeringExamples.map { ExampleCase(rule: rule, example: $0, triggers: true) }
        + rule.description.nonTriggeringExamples.map { ExampleCase(rule: rule, example: $0, triggers: false) }
}

@Suite struct RuleExampleTests {
    @Test(arguments: exampleCases)
    func exampleBehavesAsDocumented(_ item: ExampleCase) throws {
        let directory = try makeTemporaryDirectory("policy-example")
        defer { directory.remove() }
        let findings = item.rule.init().findings(in: try context(for: item.example, in: directory.url))
        let failing = findings.filter { $0.severity != .note }
        if item.triggers {
            #expect(!failing.isEmpty, "expected an error or warning, got \(findings.map(\.message))")
        } else {
            #expect(failing.isEmpty, "expected no error or warning, got \(failing.map(\.message))")
        }
        for finding in findings {
            #expect(finding.rule == item.rule.description.id)
            #expect(finding.message.hasSuffix(".") || finding.message.hasSuffix(")."), "not a sentence: \(finding.message)")
        }
    }

    @Test func cleanProductPassesEveryRule() throws {
        let directory = try makeTemporaryDirectory("policy-clean")
        defer { directory.remove() }
        let example = RuleExample("clean", secondRunOutputs: RuleExample.cleanOutputs)
        let findings = PolicyCheck.findings(for: try context(for: example, in: directory.url))
        #expect(findings.filter { $0.severity != .note }.isEmpty, "\(findings.map(\.message))")
        #expect(PolicyCheck.passes(findings))
    }

    @Test func everyRuleIsDocumentedWithExamplesOnBothSides() {
        var ids = Set<String>()
        for rule in allPolicyRules {
            let description = rule.description
            #expect(ids.insert(description.id).inserted, "duplicate rule id \(description.id)")
            #expect(!description.triggeringExamples.isEmpty, "\(description.id) has no triggering example")
            #expect(!description.nonTriggeringExamples.isEmpty, "\(description.id) has no non-triggering example")
            #expect(!description.policies.isEmpty)
            #expect(description.policies.contains { description.rationale.contains($0.rawValue) },
                    "\(description.id)'s rationale does not cite the policy it enforces")
            #expect(!description.summary.contains("\n"))
        }
    }

    @Test func ruleListIsGeneratedFromTheRuleFiles() throws {
        let directory = try makeTemporaryDirectory("policy-rule-list")
        defer { directory.remove() }
        let regenerated = directory.url.appendingPathComponent("AllRules.generated.swift")
        let result = try runProcess("/bin/bash", [packageRoot.appendingPathComponent("Scripts/generate-rule-list.sh").path, regenerated.path])
        #expect(result.status == 0, "\(result.stderr)")
        let committed = try String(contentsOf: packageRoot.appendingPathComponent("Sources/Policy/AllRules.generated.swift"), encoding: .utf8)
        let fresh = try String(contentsOf: regenerated, encoding: .utf8)
        #expect(committed == fresh, "AllRules.generated.swift is stale; run Scripts/generate-rule-list.sh")
        #expect(committed.hasPrefix("// Generated"))
        let ruleFiles = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Sources/Policy/Rules").path)
        #expect(ruleFiles.filter { $0.hasSuffix(".swift") }.count == allPolicyRules.count)
    }

    @Test func findingsAreOrderedMostSevereFirst() throws {
        let directory = try makeTemporaryDirectory("policy-order")
        defer { directory.remove() }
        let example = RuleExample("broken", manifest: RuleExample.cleanManifest.with { $0.purpose = "" },
                                  samples: ["incidents.csv": "station,week,category,race\nCentral,2026-11-16,fare,Black\n"])
        let findings = PolicyCheck.findings(for: try context(for: example, in: directory.url))
        #expect(findings.map(\.severity) == findings.map(\.severity).sorted())
        #expect(!PolicyCheck.passes(findings))
    }
}
