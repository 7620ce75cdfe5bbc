import Foundation
import Testing
import TestSupport

/// The allegations page and every annual report are suppressed together: an attacker who knows every
/// published count and solves for the suppressed ones with integer programming pins none whose true
/// value is 1 to k-1, on the example registry's allegations and on generated ones over three years;
/// the same attacker pins small counts once complementary suppression is taken away.
@Suite("Allegations suppression against a solver that knows every published count", .serialized,
       .enabled(if: SuppressionAttacker.required, Comment(rawValue: SuppressionAttacker.skipReason)))
struct SuppressionAttackTests {
    /// Deterministic allegations from 2026 to 2028, skewed so that many cells are small: 1 to 3
    /// bases, 0 to 2 of the example products.
    static func allegationsCSV(seed: UInt64, count: Int) -> String {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        func skewed(_ bound: Int) -> Int { min(next(bound), next(bound)) }
        let services = ["Transit Police", "Community Outreach", "Fare Inspection", "Private Security"]
        let findings = ["not sustained", "unfounded", "sustained", "exonerated", "pending"]
        let bases = ["race", "ethnicity", "gender", "age", "disability", "religion", "nationality", "sexual orientation"]
        let products = ["station-incident-hotspots", "fare-inspection-allocation", "calls-for-service-triage"]
        var lines = ["id,date_received,responding_service,basis,action_type,status,finding,product_ids"]
        for index in 0..<count {
            let date = String(format: "%04d-%02d-%02d", 2026 + next(3), 1 + next(12), 1 + next(28))
            let named = Set((0...next(3) / 2).map { _ in bases[skewed(bases.count)] }).sorted()
            let linked = Set((0..<skewed(3)).map { _ in products[next(products.count)] }).sorted()
            lines.append("A\(index),\(date),\(services[skewed(services.count)]),\(named.joined(separator: ";")),stop,closed,"
                         + "\(findings[skewed(findings.count)]),\(linked.joined(separator: ";"))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Builds the example registry's catalog with an allegations file and attacks it, plainly and weakened.
    private func buildAndAttack(allegations: URL, asOf: String, inspect: (URL) throws -> Void = { _ in })
        throws -> (SuppressionAttacker.Outcome, SuppressionAttacker.Outcome) {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let site = try makeTemporaryDirectory("attack-site")
        defer { site.remove() }
        let result = try registry.registry("catalog", "build", "--out", site.url.path, "--allegations", allegations.path, "--as-of", asOf)
        #expect(result.status == 0, "\(result.stderr)")
        try inspect(site.url)
        return (try SuppressionAttacker.attack(site.url, truth: allegations),
                try SuppressionAttacker.attack(site.url, truth: allegations, weaken: true))
    }

    @Test("the example registry's allegations: no small count is pinned, and without complementary suppression some are")
    func demoAllegations() throws {
        let (outcome, weakened) = try buildAndAttack(allegations: packageRoot.appendingPathComponent("Data/allegations-demo.csv"),
                                                     asOf: "2026-12-31") { site in
            // The year's tables, in both languages, with the suppressed counts marked as such.
            for (path, words) in [("reports/2026.html", ["By quarter and finding 2026", "Responding service 2026", "By basis named 2026",
                                                          "Station Incident Hotspots", "suppressed", "allegations.html"]),
                                  ("es/reports/2026.html", ["Servicio que intervino 2026", "Por motivo señalado 2026", "suprimid"])] {
                let page = try String(contentsOf: site.appendingPathComponent(path), encoding: .utf8)
                for word in words { #expect(page.contains(word), "\(path) shows \(word)") }
            }
            let csv = try String(contentsOf: site.appendingPathComponent("reports/2026.csv"), encoding: .utf8)
            #expect(csv.hasPrefix("year,") && csv.components(separatedBy: "\n")[0].hasSuffix(",allegations"))
        }
        print("demo allegations: \(outcome); primary suppression only: \(weakened)")
        #expect(outcome.small_suppressed > 0, "the demo file has small counts to protect")
        #expect(outcome.pinned.isEmpty, "\(outcome)")
        #expect(!weakened.pinned.isEmpty, "the attacker finds small counts a site without complementary suppression gives away: \(weakened)")
    }

    @Test("generated allegations over three years with an annual report each: no small count is pinned",
          arguments: [1, 2, 3, 4] as [UInt64])
    func generatedAllegations(seed: UInt64) throws {
        let folder = try makeTemporaryDirectory("attack-allegations")
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("allegations.csv")
        try Self.allegationsCSV(seed: seed, count: 150 + Int(seed) * 70).write(to: file, atomically: true, encoding: .utf8)
        let (outcome, weakened) = try buildAndAttack(allegations: file, asOf: "2028-12-31")
        print("seed \(seed): \(outcome); primary suppression only: \(weakened)")
        #expect(outcome.small_suppressed > 0, "seed \(seed) has small counts to protect")
        #expect(outcome.pinned.isEmpty, "seed \(seed): \(outcome)")
        #expect(!weakened.pinned.isEmpty, "seed \(seed): the attacker finds small counts without complementary suppression: \(weakened)")
    }
}
