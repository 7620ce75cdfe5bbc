import Foundation
import Policy
import ProductModel
import RegistrySupport

extension ChangeReport {
    /// The most manifest changes one product's Markdown section lists, so a comment stays within
    /// what code hosts accept (GitHub: 65,536 characters); `registry diff` shows them all.
    static let markdownChangeLimit = 40

    /// One sentence saying what the branch changes, or that it changes nothing the board reviews.
    var headline: String {
        if products.isEmpty && keyringProposals.isEmpty {
            return "No product changes and no keyring proposals since the common ancestor with '\(base)'."
        }
        let count = products.count
        return "\(count) product\(count == 1 ? "" : "s") changed since the common ancestor with '\(base)'"
            + (keyringProposals.isEmpty ? "." : "; \(keyringProposals.count) keyring proposal\(keyringProposals.count == 1 ? "" : "s") waiting.")
    }

    /// Plain text for a terminal.
    public var text: String {
        var lines = [headline, "Compared: \(mergeBase.prefix(12)) (common ancestor) → \(head.prefix(12)) (HEAD)"]
        if let keyringProblem { lines.append("Keyring: \(keyringProblem)") }
        for product in products {
            lines.append("")
            lines.append("\(product.id): \(product.change.rawValue)" + (product.name.map { " (\($0))" } ?? ""))
            lines.append("  version: \(product.version.before ?? "-") → \(product.version.after ?? "-"). \(product.version.note)")
            if let problem = product.manifestProblem { lines.append("  manifest problem: \(problem)") }
            if !product.demographicFieldsAdded.isEmpty {
                lines.append("  DEMOGRAPHIC FIELDS ADDED: \(product.demographicFieldsAdded.joined(separator: ", "))")
            }
            if !product.demographicFieldsRemoved.isEmpty {
                lines.append("  demographic fields removed: \(product.demographicFieldsRemoved.joined(separator: ", "))")
            }
            lines += product.changes.map { "  \(FieldChange(keyPath: $0.keyPath, before: $0.before, after: $0.after))" }
            if let check = product.check {
                lines.append("  check: \(check.sentence)")
                lines += check.findings.map { "    \($0.severity.rawValue) \($0.rule): \($0.message)" }
                lines += check.disparity.map { "    disparity \($0.sentence)" }
            }
            if let approval = product.approval {
                lines.append("  approval: \(approval.sentence)")
                lines += ReportSigner.text(approval.mayApprove)
            }
        }
        for proposal in keyringProposals {
            lines.append("")
            lines.append("keyring proposal \(proposal.proposal.path): \(proposal.sentence)")
            lines += ReportSigner.text(proposal.mayStillSign)
            if proposal.proposal.ready { lines.append("    registry board adopt") }
        }
        return lines.joined(separator: "\n")
    }

    /// The most bytes of Markdown the report writes: GitHub refuses a comment over 65,536
    /// characters, and the rest leaves room for a heading the CI adds.
    static let markdownByteLimit = 60_000

    /// Markdown for a pull-request comment, written for readers who are not technical: a table
    /// per product in plain words, demographic fields called out, commands folded away.
    ///
    /// A report too long for one comment keeps each product's table only, and then as many
    /// tables as fit, saying so, rather than have the comment refused.
    public var markdown: String {
        let full = markdown(detailed: true)
        return full.utf8.count <= Self.markdownByteLimit ? full : markdown(detailed: false)
    }

    private func markdown(detailed: Bool) -> String {
        var out = ["## Analytics registry review report", "", MarkdownText.escaped(headline), "",
                   "Compared: `\(mergeBase.prefix(12))` (where this branch left \(MarkdownText.escaped(base))) with `\(head.prefix(12))` (this branch)."]
        if let keyringProblem { out += ["", "**The board keyring cannot be trusted:** \(MarkdownText.escaped(keyringProblem))"] }
        let rerun = "`registry report --base \(base.contains("`") ? "REV" : base)`"
        if !detailed {
            out += ["", "This report is too long for one comment, so it shows each summary table only; \(rerun) shows the changes, findings and the commands to sign."]
        }
        let sections = products.map { $0.markdown(detailed: detailed) } + keyringProposals.map { $0.markdown(detailed: detailed) }
        var text = out.joined(separator: "\n")
        for (offset, section) in sections.enumerated() {
            let piece = "\n\n" + section.joined(separator: "\n")
            if !detailed && text.utf8.count + piece.utf8.count > Self.markdownByteLimit - 500 {
                text += "\n\n… and \(sections.count - offset) more products or keyring proposals; \(rerun) lists them all."
                break
            }
            text += piece
        }
        return text + "\n"
    }
}

extension ProductChangeSummary {
    private var changeWords: String {
        switch change {
        case .added: "New product"
        case .changed: "Changed product"
        case .removed: "Removed product"
        case .reviewed: "New review statements"
        }
    }

    /// This product's section; `detailed` adds the field changes, findings, disparity table and
    /// the commands to sign after the summary table.
    func markdown(detailed: Bool) -> [String] {
        // A folder under Products/ may have any name; only a valid id is safe inside a code span.
        let shownID = ProductID(id) == nil ? MarkdownText.escaped(id) : "`\(id)`"
        let title = name.map { "\(MarkdownText.escaped($0)) (\(shownID))" } ?? shownID
        var out = ["### \(changeWords): \(title)", "", "| | |", "|---|---|"]
        func row(_ label: String, _ value: String) { out.append("| \(label) | \(value) |") }
        let versions = [version.before, version.after].compactMap { $0.map(MarkdownText.escaped) }.joined(separator: " → ")
        row("Version", (versions.isEmpty ? "" : versions + ". ") + MarkdownText.escaped(version.note))
        if version.fits == false { row("Version label", "**does not fit the change**") }
        if let status { row("Status", MarkdownText.escaped(status)) }
        if let manifestProblem { row("Manifest problem", MarkdownText.escaped(manifestProblem)) }
        if change != .removed {
            row("Demographic fields", demographicFields.isEmpty ? "none" : demographicFields.map(MarkdownText.escaped).joined(separator: ", "))
        }
        if !demographicFieldsAdded.isEmpty {
            row("**Demographic fields added**", "**" + demographicFieldsAdded.map(MarkdownText.escaped).joined(separator: ", ") + "**")
        }
        if !demographicFieldsRemoved.isEmpty {
            row("Demographic fields removed", demographicFieldsRemoved.map(MarkdownText.escaped).joined(separator: ", "))
        }
        if let check { row("Policy check", MarkdownText.escaped(check.sentence)) }
        if let approval {
            row("Board approval", MarkdownText.escaped(approval.sentence))
        }
        if !demographicFieldsAdded.isEmpty {
            out += ["", "> **This version adds demographic data: \(demographicFieldsAdded.map(MarkdownText.escaped).joined(separator: ", ")).** Each board member who approves it approves these fields by name; read their justifications in the changes below."]
        }
        guard detailed else { return out }
        if !changes.isEmpty {
            out += ["", "What changed in the description (product.yaml):", "", "| Field | Before | After |", "|---|---|---|"]
            for field in changes.prefix(ChangeReport.markdownChangeLimit) {
                out.append("| \(MarkdownText.escaped(field.keyPath)) | \(field.before.map(MarkdownText.escaped) ?? "*(none)*") | \(field.after.map(MarkdownText.escaped) ?? "*(none)*") |")
            }
            if changes.count > ChangeReport.markdownChangeLimit {
                out += ["", "… and \(changes.count - ChangeReport.markdownChangeLimit) more; `registry diff \(id) \(version.before ?? "FROM") \(version.after ?? "HEAD")` shows them all."]
            }
        }
        if let check, !check.findings.isEmpty {
            out += ["", "Check findings:", ""]
            out += check.findings.map { "- **\($0.severity.rawValue)** (\(MarkdownText.escaped($0.rule))): \(MarkdownText.escaped($0.message))" }
        }
        if let check, !check.disparity.isEmpty {
            out += ["", "Fairness between groups (from the check):", "",
                    "| Groups by | Groups large enough | Lowest ÷ highest favourable rate (four-fifths rule: 0.8 or more) | Least favoured group | Gap in selection rates | Gap in error rates |",
                    "|---|---|---|---|---|---|"]
            for breakdown in check.disparity {
                let measures = breakdown.disparities
                out.append("| \(MarkdownText.escaped(breakdown.attributes.joined(separator: " × "))) | \(measures.eligibleGroups) | \(Self.number(measures.favourableRateRatio)) | \(measures.leastFavouredGroup.map(MarkdownText.escaped) ?? "–") | \(Self.number(measures.demographicParityDifference)) | \(Self.number(measures.equalizedOddsDifference)) |")
            }
        }
        if let approval, !approval.mayApprove.isEmpty {
            out += [""] + ReportSigner.markdown(approval.mayApprove, summary: "How board members approve this version",
                                                intro: "Any \(approval.stillNeeded) of these members may approve (key fingerprints as in the keyring):")
        }
        return out
    }

    /// A rate or measure as people read it: three decimals, or "undefined" (never 0) when absent.
    static func number(_ value: Double?) -> String {
        value.map { String(format: "%.3f", $0) } ?? "undefined"
    }
}

extension ReportSigner {
    /// Each signer with their key and commands, indented under a product or proposal line.
    static func text(_ signers: [ReportSigner]) -> [String] {
        signers.flatMap { ["    \($0.member) (\($0.fingerprint)):"] + $0.commands.map { "      \($0)" } }
    }

    /// Each signer with their key and commands, folded away under `summary` for readers who only
    /// want the state.
    static func markdown(_ signers: [ReportSigner], summary: String, intro: String) -> [String] {
        ["<details><summary>\(summary)</summary>", "", intro, ""]
            + signers.flatMap { ["- \($0.member) (`\($0.fingerprint)`):", "", "  ```sh"] + $0.commands.map { "  \($0)" } + ["  ```", ""] }
            + ["</details>"]
    }
}

extension ReportCheck {
    /// One sentence on the recorded check.
    var sentence: String {
        switch state {
        case "not_checked", "outdated":
            return nextStep ?? state
        default:
            let counts = "\(errorCount) error\(errorCount == 1 ? "" : "s"), \(warningCount) warning\(warningCount == 1 ? "" : "s")"
            return "\(state) on \(checkedOn ?? "an unknown day") (\(counts))."
        }
    }
}

extension DisparitySummary {
    /// One line on a breakdown's disparity measures.
    var sentence: String {
        "by \(attributes.joined(separator: " × ")): \(disparities.eligibleGroups) groups large enough, favourable-rate ratio \(ProductChangeSummary.number(disparities.favourableRateRatio))"
            + (disparities.leastFavouredGroup.map { " (least favoured: \($0))" } ?? "")
            + ", selection-rate gap \(ProductChangeSummary.number(disparities.demographicParityDifference))"
    }
}

extension ReportApproval {
    /// One sentence: the state, the threshold that applies and what is still needed from whom.
    var sentence: String {
        let counted = approvedBy.isEmpty ? "no counted approvals" : "approved by \(approvedBy.joined(separator: ", "))"
        var text = "\(state.rawValue): \(counted); \(threshold) needed (\(thresholdName))"
        if stillNeeded > 0 {
            text += "; \(stillNeeded) more needed from any of \(mayApprove.map(\.member).joined(separator: ", "))"
        }
        if !ownersExcluded.isEmpty { text += "; owners who do not count: \(ownersExcluded.joined(separator: ", "))" }
        return text + ". " + explanation
    }
}

extension ReportProposal {
    /// One sentence: who signed so far and what it still needs.
    var sentence: String {
        if proposal.ready { return "signed by both quorums; adopt it with 'registry board adopt'." }
        let current = proposal.previousSigners.isEmpty ? "no current members" : "current members \(proposal.previousSigners.joined(separator: ", "))"
        let proposed = proposal.ownSigners.isEmpty ? "none of its members" : "its members \(proposal.ownSigners.joined(separator: ", "))"
        return "not in effect; signed by \(current) and \(proposed); still needs \(stillNeededCurrent) more from current members and \(stillNeededProposed) more from its own members."
    }

    /// This proposal's section; `detailed` adds why it cannot be adopted yet and how to sign.
    func markdown(detailed: Bool) -> [String] {
        // Only a file named keyring.v<NNNN> has a version, and only such a path is safe in a code span.
        var out = ["### Board keyring proposal " + (proposal.version.map { "`\(proposal.path)` (version \($0))" } ?? MarkdownText.escaped(proposal.path)), "",
                   "| | |", "|---|---|",
                   "| State | \(proposal.ready ? "ready to adopt" : "waiting for signatures (not in effect)") |",
                   "| Signed by current members | \(proposal.previousSigners.isEmpty ? "nobody yet" : proposal.previousSigners.joined(separator: ", ")) |",
                   "| Signed by members of the proposed keyring | \(proposal.ownSigners.isEmpty ? "nobody yet" : proposal.ownSigners.joined(separator: ", ")) |",
                   "| Still needed | \(stillNeededCurrent) more from current members, \(stillNeededProposed) more from members of the proposed keyring |"]
        guard detailed else { return out }
        if !proposal.problems.isEmpty {
            out += ["", "Why it cannot be adopted yet:", ""] + proposal.problems.map { "- \(MarkdownText.escaped($0))" }
        }
        if !mayStillSign.isEmpty {
            out += [""] + ReportSigner.markdown(mayStillSign, summary: "How members sign this proposal",
                                                intro: "Members who have not signed yet (key fingerprints as in the keyrings):")
        }
        if proposal.ready { out += ["", "Adopt it with `registry board adopt`, then commit `Reviews/board`."] }
        return out
    }
}
