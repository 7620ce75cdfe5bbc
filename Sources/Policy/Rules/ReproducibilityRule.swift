import ProductModel
import RegistrySupport

/// Running the product twice on the same inputs gives byte-identical outputs.
public struct ReproducibilityRule: PolicyRule {
    public init() {}

    public static let description = RuleDescription(
        id: "reproducible",
        summary: "A second run on the same inputs writes byte-identical outputs.",
        rationale: "The Public Safety Analytics Policy requires compliance checks that can be repeated: the board approves evidence, and evidence that changes from run to run cannot be verified.",
        policies: [.publicSafetyAnalytics],
        triggeringExamples: [
            RuleExample("second run differs",
                        secondRunOutputs: ["hotspots.csv": "station,week,incidents\nHarbor,2026-11-16,0\nCentral,2026-11-16,14\n"]),
            RuleExample("second run lost an output", secondRunOutputs: [:]),
        ],
        nonTriggeringExamples: [
            RuleExample("second run identical", secondRunOutputs: RuleExample.cleanOutputs),
        ])

    public func findings(in context: RuleContext) -> [Finding] {
        guard let run = context.run else { return [] }
        guard let second = run.secondRunDigests else {
            return [finding(.note, "The product was run once, so reproducibility was not checked.", in: context)]
        }
        var findings: [Finding] = []
        for (name, url) in run.outputs.sorted(by: { $0.key < $1.key }) {
            guard let digest = try? SHA256Hex.ofFile(at: url) else { continue }
            guard let again = second[name] else {
                findings.append(finding(.error, "Output '\(name)' was written by the first run but not by a second run on the same inputs; make the product write every output on every run.",
                                        in: context, file: name))
                continue
            }
            if again != digest {
                findings.append(finding(.error, "Output '\(name)' differs between two runs on the same inputs; remove sources of variation such as unseeded randomness, timestamps or unordered iteration, and sort rows before writing.",
                                        in: context, file: name))
            }
        }
        return findings
    }
}
