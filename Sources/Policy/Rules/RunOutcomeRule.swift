import ProductModel

/// The run finished normally, within its limits, writing only declared outputs.
public struct RunOutcomeRule: PolicyRule {
    public init() {}

    public static let description = RuleDescription(
        id: "run-outcome",
        summary: "The sandboxed run exited with status 0, hit no resource limit, and wrote no rejected files.",
        rationale: "The Public Safety Analytics Policy requires compliance checks on how data is used: a run that crashed, was stopped, or tried to write undeclared files produced no evidence the board can rely on.",
        policies: [.publicSafetyAnalytics],
        triggeringExamples: [
            RuleExample("non-zero exit", run: RunEvidence(termination: .exited(status: 3))),
            RuleExample("killed by a signal after the time limit",
                        run: RunEvidence(termination: .signalled(signal: 9), stopReason: "timed out after 60 s", limitsHit: true)),
            RuleExample("an undeclared file was rejected",
                        run: RunEvidence(termination: .exited(status: 0), rejectedOutputs: [RejectedOutput(name: "riders.csv", reason: "not declared")])),
            RuleExample("the product could not be run", run: nil),
        ],
        nonTriggeringExamples: [
            RuleExample("clean exit"),
        ])

    public func findings(in context: RuleContext) -> [Finding] {
        guard let run = context.run else {
            return [finding(.error, "The product was not run, so its outputs could not be checked; fix the problem reported for the run and check again.", in: context)]
        }
        var findings: [Finding] = []
        let reason = run.stopReason.map { " (\($0))" } ?? ""
        switch run.termination {
        case .exited(let status) where status != 0:
            findings.append(finding(.error, "The product exited with status \(status)\(reason); run it with 'registry run \(context.manifest.id)' to see its output and fix the failure.",
                                    in: context, numbers: ["exit_status": Double(status)]))
        case .signalled(let signal):
            findings.append(finding(.error, "The product was ended by signal \(signal)\(reason); make it finish within its declared limits.",
                                    in: context, numbers: ["signal": Double(signal)]))
        case .exited:
            break
        }
        if run.limitsHit {
            findings.append(finding(.error, "The run reached a resource limit\(reason); reduce the product's time, memory or output size, or ask the board to raise 'run' limits in the manifest.",
                                    in: context))
        }
        for rejected in run.rejectedOutputs {
            findings.append(finding(.error, "The product wrote '\(rejected.name)', which was not collected (\(rejected.reason)); write only the declared outputs as regular files, or declare the file under 'outputs'.",
                                    in: context, file: rejected.name))
        }
        return findings
    }
}
