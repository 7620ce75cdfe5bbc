/// The files of a new product, as `registry new <id> --language python|shell` writes them.
///
/// The scaffold is a complete, valid product: a commented manifest that passes `ManifestDecoder`
/// and `ManifestValidator`, an entry point that reads its declared input and writes an aggregate
/// with small counts suppressed, a synthetic sample, and a README. Pure: the caller writes the files.
public enum ProductTemplate {
    /// The language of the generated entry point.
    public enum Language: String, Sendable, Hashable, CaseIterable {
        /// Python 3 with pandas, pinned with hashes in `requirements.lock`.
        case python
        /// POSIX `sh` and `awk`.
        case shell
    }

    /// One generated file.
    public struct File: Sendable, Hashable {
        /// Path relative to the product folder.
        public let path: String
        public let content: String
        /// Whether the file gets the executable bit (mode `100755`).
        public let executable: Bool
    }

    /// The smallest count the generated code publishes; smaller groups are left out.
    public static let minimumCellSize = 11

    /// The files of a new product named `id`, whose first review falls due a year after `today`;
    /// `withheldSalt` goes into the commented-out `public.withheld` example, ready to use.
    public static func files(for id: ProductID, language: Language, today: CalendarDate,
                             withheldSalt: String = WithheldCommitment.newSalt()) -> [File] {
        let entryPoint = language == .python ? "main.py" : "main.sh"
        return [
            File(path: "product.yaml", content: manifest(id: id, entryPoint: entryPoint, reviewDue: oneYear(after: today),
                                                         withheldSalt: withheldSalt),
                 executable: false),
            File(path: entryPoint, content: language == .python ? pythonEntryPoint : shellEntryPoint, executable: true),
            File(path: samplePath, content: sample, executable: false),
            File(path: "README.md", content: readme(id: id, entryPoint: entryPoint), executable: false),
        ] + (language == .python ? [File(path: DependencyLock.pythonFileName, content: pandasLock, executable: false)] : [])
    }

    static let samplePath = "samples/incidents.csv"

    private static func title(_ id: ProductID) -> String {
        id.rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }

    private static func oneYear(after date: CalendarDate) -> CalendarDate {
        let day = min(date.day, CalendarDate.days(inMonth: date.month, year: date.year + 1))
        return CalendarDate(year: date.year + 1, month: date.month, day: day)
    }

    private static func manifest(id: ProductID, entryPoint: String, reviewDue: CalendarDate, withheldSalt: String) -> String {
        """
        # yaml-language-server: $schema=../../Schemas/product.schema.json
        # The manifest of \(id): what the product is for, what it reads and writes, and how it runs.
        # Check it with `registry validate \(id)`; replace every sentence below with your own.

        format: \(ProductManifest.currentFormat)
        id: \(id)
        name: \(title(id))
        version: 0.1.0
        # proposed | development | in-use | retired
        status: proposed
        summary: Weekly counts of reported incidents at each station.
        purpose: >-
          Shows where and when incidents concentrate so that station staffing and maintenance can be
          planned from evidence rather than impressions.
        # Who acts on the outputs, and how.
        decision_use: >-
          The station operations team reviews the weekly counts when planning staff rotas; the counts
          alone never trigger a deployment.
        human_oversight: >-
          A duty manager reads each week's counts before any change to staffing and records the
          reason for the change.
        # true when an output can route to outreach, maintenance or medical staff instead of police.
        non_law_enforcement_response: true
        owner:
          team: Station Operations Analytics
          accountable_role: Head of Station Operations
          contact: station-analytics@example.org
        # Required once the product is in use and an output directs deployment: how a member of the
        # public objects to, or appeals, a decision it informed (whom to write to, by when, who decides).
        objection_route: Replace with how to object or appeal, for example to the owner's contact above.
        legal_basis: Replace with the statute, regulation or board resolution that authorises this use.
        risks:
          - risk: Stations with more reporting staff may appear to have more incidents.
            mitigation: Counts are read alongside staffing levels and are never used to rank stations.
        impact_assessments: []
        review_due: \(reviewDue)

        data_sources:
          - id: incident-reports
            name: Station incident reports
            origin: internal
            steward: Transit Security Records Unit
            fields: [station_id, incident_week, incident_type]
        # Declare every protected attribute (age, race, gender…) the product reads, with why it is vital.
        demographic_fields: []

        inputs:
          - name: incidents.csv
            source: incident-reports
            sample: \(samplePath)
            columns: [station_id, incident_week, incident_type]
        outputs:
          - name: station_counts.csv
            format: csv
            level: aggregate
            columns:
              - name: station_id
                type: string
              - name: incident_week
                type: string
              - name: incident_count
                type: integer
            count_column: incident_count
            directs_deployment: false
            public: true

        run:
          command: [./\(entryPoint)]
          time_limit_seconds: 60
          memory_limit_mb: 256

        # To keep a field out of the public catalog, uncomment this and give the reason. The catalog
        # then shows only a commitment to the value; keep the salt (made for this product) secret and
        # with the value, since disclosing both later lets anyone check them against the commitment.
        # public:
        #   withheld:
        #     - field: legal_basis
        #       reason: The legal opinion is privileged until the board publishes it.
        #       salt: \(withheldSalt)

        """
    }

    private static let pythonEntryPoint = """
        #!/usr/bin/env python3
        \"\"\"Counts incidents per station and week from the declared input, with pandas.

        Reads $REGISTRY_INPUT/incidents.csv (holding only the columns product.yaml declares) and writes
        $REGISTRY_OUTPUT/station_counts.csv. Counts below MINIMUM_CELL are left out so that no small
        group can be singled out; the registry's small-cell check verifies this on every run. pandas
        comes from the environment requirements.lock pins: build it with `registry env build <id>`.
        \"\"\"
        import os
        import sys

        import pandas

        MINIMUM_CELL = \(minimumCellSize)


        def main() -> int:
            input_dir = os.environ.get("REGISTRY_INPUT", "input")
            output_dir = os.environ.get("REGISTRY_OUTPUT", "output")
            incidents = pandas.read_csv(os.path.join(input_dir, "incidents.csv"), dtype=str)
            counts = (incidents.groupby(["station_id", "incident_week"]).size()
                      .reset_index(name="incident_count")
                      .sort_values(["station_id", "incident_week"]))
            counts = counts[counts["incident_count"] >= MINIMUM_CELL]
            counts.to_csv(os.path.join(output_dir, "station_counts.csv"), index=False, lineterminator="\\n")
            return 0


        if __name__ == "__main__":
            sys.exit(main())

        """

    /// pandas and every dependency, pinned to the SHA-256 of their wheels on PyPI for the Python the
    /// sandbox sees (Debian's `/usr/bin/python3`, CPython 3.11 on Linux x86_64).
    static let pandasLock = """
        # pandas 2.2.3 and every dependency, pinned with the SHA-256 of its wheel on PyPI for CPython 3.11
        # on Linux x86_64 (Debian's /usr/bin/python3, the interpreter the sandbox sees).
        numpy==2.4.6 \\
            --hash=sha256:89cd468399cfd2504718f0ba50e410dca55a170b61a02ad92bb18c8a65186e93
        pandas==2.2.3 \\
            --hash=sha256:c124333816c3a9b03fbeef3a9f230ba9a737e9e5bb4060aa2107a86cc0a497fc
        python-dateutil==4.0.0 \\
            --hash=sha256:a5e246f79eb80475e691bf93862cead98decd8a498cf53ba0516fcdc0f50dc1c
        pytz==2026.6 \\
            --hash=sha256:7fed3fee8fd6bd4a2b7b75a8d56021d0624127bf69bd5691f115db929ac570b3
        tzdata==2026.6 \\
            --hash=sha256:0a10eec6e13ef16b627fabed9a5f2ba61a62b1c67f327305f4e7e412a70b4aec

        """

    private static let shellEntryPoint = """
        #!/bin/sh
        # Counts incidents per station and week from the declared input.
        #
        # Reads $REGISTRY_INPUT/incidents.csv (holding only the columns product.yaml declares) and writes
        # $REGISTRY_OUTPUT/station_counts.csv. Counts below the minimum cell size are left out so that no
        # small group can be singled out. Fields are split on commas: keep values free of quoted commas.
        set -eu

        input="${REGISTRY_INPUT:-input}/incidents.csv"
        output="${REGISTRY_OUTPUT:-output}/station_counts.csv"

        echo "station_id,incident_week,incident_count" > "$output"
        awk -F, -v minimum=\(minimumCellSize) '
            NR == 1 { for (i = 1; i <= NF; i++) position[$i] = i; next }
            { count[$position["station_id"] "," $position["incident_week"]]++ }
            END { for (key in count) if (count[key] >= minimum) print key "," count[key] }
        ' "$input" | LC_ALL=C sort >> "$output"

        """

    /// Synthetic rows: some station-weeks reach the minimum cell size and some do not, so a first
    /// run shows suppression at work.
    private static var sample: String {
        let cells: [(station: String, week: String, count: Int)] = [
            ("STN-014", "2026-W14", 14), ("STN-014", "2026-W15", 12), ("STN-022", "2026-W14", 3),
            ("STN-022", "2026-W15", 11), ("STN-031", "2026-W14", 5), ("STN-031", "2026-W15", 16),
        ]
        let types = ["fare dispute", "vandalism", "medical assist", "trespass", "lost property"]
        var rows = ["station_id,incident_week,incident_type"]
        for cell in cells {
            for index in 0..<cell.count {
                rows.append("\(cell.station),\(cell.week),\(types[(index + cell.count) % types.count])")
            }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    private static func readme(id: ProductID, entryPoint: String) -> String {
        """
        # \(title(id))

        An analytic product in the registry. `product.yaml` says what it is for, what it reads and
        writes and how it runs; `\(entryPoint)` is its entry point; `\(samplePath)` is synthetic sample
        data in the shape of the real input.

        - `registry validate \(id)` checks the manifest.\(entryPoint == "main.py" ? "\n- `registry env build \(id)` installs the pandas environment `requirements.lock` pins (once per machine; the only step that needs the network)." : "")
        - `registry run \(id)` runs the product in the sandbox on the sample data.
        - `registry check \(id)` runs it and applies the board's policy rules.
        - `registry register \(id) -m "..."` records a version for review.

        The product sees only the columns its manifest declares, under `$REGISTRY_INPUT`, and must
        write exactly its declared outputs to `$REGISTRY_OUTPUT`. Counts below \(minimumCellSize) are
        left out of aggregate outputs.

        """
    }
}
