import Foundation

/// A CI platform `registry init --ci` writes a pipeline for: on every pull (merge) request and push
/// it installs the pinned registry release, checks the products in shards, merges them, gates on
/// approvals and the audit trail, and on the default branch publishes the catalog.
public enum CIPlatform: String, CaseIterable, Sendable {
    case github
    case gitlab

    /// Where the platform reads its pipeline, relative to the repository root.
    public var pipelinePath: String {
        switch self {
        case .github: ".github/workflows/registry.yml"
        case .gitlab: ".gitlab-ci.yml"
        }
    }
}

/// The pipeline file for one platform. Every template lives in this file, so the GitHub and GitLab
/// pipelines share their shell steps and change together.
public struct CIPipeline: Sendable {
    /// Where releases are downloaded from by default: `<releases>/v<version>/install.sh` and the
    /// archive it installs. An agency mirroring releases passes its own with `--releases`.
    public static let defaultReleases = "https://github.com/analytics-registry/registry/releases/download"
    /// How many shards the pipeline checks the products in, unless `--shards` says otherwise.
    public static let defaultShards = 4

    /// The platform the pipeline is for.
    public let platform: CIPlatform
    /// The registry release every job installs.
    public let version: String
    /// The release folder's base address (see `defaultReleases`).
    public let releases: String
    /// How many shards (matrix jobs) check the products.
    public let shards: Int

    /// A pipeline pinned to `version`, refusing a shard count or release address that would
    /// produce a file the platform rejects.
    public init(platform: CIPlatform, version: String = RegistryVersion.current,
                releases: String = CIPipeline.defaultReleases, shards: Int = CIPipeline.defaultShards) throws {
        guard (1...200).contains(shards) else {
            throw CoreError.invalidArgument("--shards \(shards) must be between 1 and 200 (GitLab runs at most 200 parallel jobs).")
        }
        guard let url = URL(string: releases), ["https", "http"].contains(url.scheme ?? ""), url.host != nil,
              !releases.contains(where: { $0 == "\"" || $0 == "$" || $0.isWhitespace }) else {
            throw CoreError.invalidArgument("--releases '\(releases)' is not an http(s) address; pass the folder that holds v<version>/install.sh, for example \(Self.defaultReleases).")
        }
        self.platform = platform
        self.version = version
        self.releases = releases.hasSuffix("/") ? String(releases.dropLast()) : releases
        self.shards = shards
    }

    /// The file's text.
    public var text: String {
        switch platform {
        case .github: github
        case .gitlab: gitlab
        }
    }

    // MARK: Shell steps shared by both platforms

    /// Deepens the checkout and fetches the target branch and the audit trail: the review report
    /// compares with the target branch, the catalog shows whole version histories, and
    /// `refs/registry/audit` is a ref of its own that no clone fetches.
    private func history(baseBranch: String) -> String {
        """
        if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
          git fetch --quiet --unshallow --no-tags origin
        fi
        if [ -n "\(baseBranch)" ]; then
          git fetch --quiet --no-tags origin "+refs/heads/\(baseBranch):refs/remotes/origin/\(baseBranch)"
        fi
        if git ls-remote --exit-code origin refs/registry/audit > /dev/null; then
          git fetch --quiet --no-tags origin refs/registry/audit:refs/registry/audit
        fi
        """
    }

    /// Installs the pinned release into `prefix`; `install.sh` verifies the archive's SHA-256.
    private func install(scratch: String, prefix: String) -> String {
        """
        curl -fsSL --retry 3 -o "\(scratch)/install.sh" "$REGISTRY_RELEASES/v$REGISTRY_VERSION/install.sh"
        sh "\(scratch)/install.sh" --version "$REGISTRY_VERSION" --prefix "\(prefix)" --from "$REGISTRY_RELEASES/v$REGISTRY_VERSION"
        """
    }

    /// Checks one shard. Exit status 1 (a product fails) leaves the verdict to the merge, which
    /// sees every shard; 2 means this shard wrote no result, and stops the pipeline here.
    private func checkShard(index: String, count: String) -> String {
        """
        mkdir -p shards
        status=0
        registry check --all --shard "\(index)/\(count)" --json > "shards/shard-\(index).json" || status=$?
        test "$status" -le 1
        """
    }

    private let merge = "registry check --merge shards/shard-*.json"

    private func report(baseBranch: String) -> String {
        "registry report --base \"origin/\(baseBranch)\" --markdown > review-report.md"
    }

    // MARK: GitHub Actions

    private var github: String {
        let defaultBranchPush = "github.event_name == 'push' && github.ref_name == github.event.repository.default_branch"
        return """
        # Generated by `registry init --ci github` (registry \(RegistryVersion.current)); edit it freely.
        # On every pull request and push: install the pinned registry release, check the products in
        # \(shards) shards, merge them (an incomplete set is refused), gate on approvals and the audit
        # trail, and comment the review report on pull requests. A push to the default branch publishes
        # the catalog to GitHub Pages (Settings > Pages > Source: GitHub Actions).
        # Change the shard count in both `SHARDS` and the matrix.
        name: registry

        on:
          pull_request:
          push:

        permissions:
          contents: read

        concurrency:
          group: registry-${{ github.ref }}
          # A newer push to a pull request supersedes its run; default-branch runs (which publish) all finish.
          cancel-in-progress: ${{ github.event_name == 'pull_request' }}

        env:
          REGISTRY_VERSION: "\(version)"
          REGISTRY_RELEASES: "\(releases)"
          SHARDS: "\(shards)"

        defaults:
          run:
            shell: bash

        jobs:
          check:
            name: check shard ${{ matrix.shard }}
            runs-on: ubuntu-24.04
            strategy:
              fail-fast: false
              matrix:
                shard: [\((1...shards).map(String.init).joined(separator: ", "))]
            steps:
        \(indent(githubSetupSteps, 6))
              - name: Let bubblewrap create user namespaces
                run: |
        \(indent(githubUserNamespaces, 10))
              - name: Can this runner run products
                run: registry doctor
              - name: Build the products' pinned environments
                run: registry env build --all
              - name: Check this shard
                env:
                  SHARD: ${{ matrix.shard }}
                run: |
        \(indent(checkShard(index: "$SHARD", count: "$SHARDS"), 10))
              - uses: actions/upload-artifact@v4.6.2
                with:
                  name: shard-${{ matrix.shard }}
                  path: shards/
                  if-no-files-found: error

          gate:
            needs: check
            runs-on: ubuntu-24.04
            permissions:
              contents: read
              pull-requests: write
            steps:
        \(indent(githubSetupSteps, 6))
              - uses: actions/download-artifact@v4.3.0
                with:
                  pattern: shard-*
                  path: shards
                  merge-multiple: true
              - name: Merge the shards
                run: \(merge)
              - name: Write the review report
                id: report
                if: ${{ always() && github.event_name == 'pull_request' }}
                env:
                  BASE_BRANCH: ${{ github.base_ref }}
                run: \(report(baseBranch: "$BASE_BRANCH"))
              - name: Comment the review report
                if: ${{ always() && steps.report.outcome == 'success' }}
                # A fork's pull request gets a read-only token: its missing comment must not fail the gate.
                continue-on-error: true
                env:
                  GH_TOKEN: ${{ github.token }}
                  PR_NUMBER: ${{ github.event.pull_request.number }}
                run: gh pr comment "$PR_NUMBER" --edit-last --body-file review-report.md || gh pr comment "$PR_NUMBER" --body-file review-report.md
              - name: Gate on approvals
                run: registry status
              - name: Gate on the audit trail
                run: registry audit verify
              - name: Build the catalog
                if: ${{ \(defaultBranchPush) }}
                run: registry catalog build --out public
              - uses: actions/upload-pages-artifact@v3.0.1
                if: ${{ \(defaultBranchPush) }}
                with:
                  path: public

          publish:
            needs: gate
            if: ${{ \(defaultBranchPush) }}
            runs-on: ubuntu-24.04
            permissions:
              pages: write
              id-token: write
            environment:
              name: github-pages
              url: ${{ steps.deploy.outputs.page_url }}
            steps:
              - id: deploy
                uses: actions/deploy-pages@v4.0.5

        """
    }

    /// The steps both GitHub jobs start with: the whole history, the audit trail, the pinned release.
    private var githubSetupSteps: String {
        """
        - uses: actions/checkout@v4.2.2
          with:
            fetch-depth: 0
        - name: Fetch history and the audit trail
          env:
            BASE_BRANCH: ${{ github.base_ref }}
          run: |
        \(indent(history(baseBranch: "$BASE_BRANCH"), 4))
        - name: Install registry
          run: |
        \(indent(githubInstall, 4))
        """
    }

    private var githubInstall: String {
        """
        sudo apt-get update -q
        sudo apt-get install -y -q --no-install-recommends bubblewrap libgit2-1.7 libsqlite3-0 libcurl4t64
        \(install(scratch: "$RUNNER_TEMP", prefix: "$HOME/.local"))
        echo "$HOME/.local/bin" >> "$GITHUB_PATH"
        """
    }

    /// Ubuntu 24.04 lets no unprivileged program create user namespaces unless an AppArmor profile
    /// allows it; loading bubblewrap's own profile is the narrowest fix (`registry doctor` names it).
    private var githubUserNamespaces: String {
        """
        if [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2> /dev/null)" = 1 ]; then
          sudo apt-get install -y -q apparmor-profiles
          sudo apparmor_parser -r /usr/share/apparmor/extra-profiles/bwrap-userns-restrict
        fi
        """
    }

    // MARK: GitLab CI

    private var gitlab: String {
        """
        # Generated by `registry init --ci gitlab` (registry \(RegistryVersion.current)); edit it freely.
        # On every merge request and push: install the pinned registry release, check the products in
        # \(shards) shards, merge them (an incomplete set is refused), gate on approvals and the audit
        # trail, and comment the review report on merge requests (set the masked CI/CD variable
        # REGISTRY_REPORT_TOKEN to a project access token with the `api` scope: CI_JOB_TOKEN cannot
        # write notes). A push to the default branch publishes the catalog to GitLab Pages.
        # The runner must let bubblewrap create user namespaces (`registry doctor` says how).
        workflow:
          rules:
            - if: $CI_PIPELINE_SOURCE == "merge_request_event"
            - if: $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS
              when: never
            - if: $CI_COMMIT_BRANCH

        variables:
          REGISTRY_VERSION: "\(version)"
          REGISTRY_RELEASES: "\(releases)"
          GIT_DEPTH: "0"

        stages:
          - check
          - gate

        default:
          image: ubuntu:24.04
          before_script:
        \(indent(gitlabSetup, 4, item: true))

        check:
          stage: check
        \(shards > 1 ? "  parallel: \(shards)\n  " : "  ")script:
            - registry doctor
            - registry env build --all
            - |
        \(indent(checkShard(index: "${CI_NODE_INDEX:-1}", count: "${CI_NODE_TOTAL:-1}"), 6))
          artifacts:
            paths:
              - shards/
            expire_in: 1 week

        gate:
          stage: gate
          needs:
            - check
          script:
            - \(merge)
            - registry status
            - registry audit verify
          after_script:
            - |
              if [ -n "${CI_MERGE_REQUEST_IID:-}" ] && \(report(baseBranch: "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME")); then
                if [ -n "${REGISTRY_REPORT_TOKEN:-}" ]; then
                  curl -fsS --request POST --header "PRIVATE-TOKEN: $REGISTRY_REPORT_TOKEN" --data-urlencode "body@review-report.md" "$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes" > /dev/null
                else
                  echo "REGISTRY_REPORT_TOKEN is not set, so the review report is not commented; here it is:"
                  cat review-report.md
                fi
              fi

        pages:
          stage: gate
          needs:
            - check
          rules:
            - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
          script:
            - \(merge)
            - registry status
            - registry catalog build --out public
          artifacts:
            paths:
              - public

        """
    }

    /// Runs in every GitLab job's shell (before_script shares the job's shell), so PATH set here holds.
    private var gitlabSetup: String {
        [
            "apt-get update -q && apt-get install -y -q --no-install-recommends ca-certificates curl git bubblewrap libgit2-1.7 libsqlite3-0 python3",
            install(scratch: "/tmp", prefix: "/usr/local"),
            history(baseBranch: "${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-}"),
        ].joined(separator: "\n")
    }

    /// Indents a block by `spaces`; as `item`, each shell command line becomes one YAML list item
    /// (a multi-line `if … fi` block stays one item).
    private func indent(_ block: String, _ spaces: Int, item: Bool = false) -> String {
        let pad = String(repeating: " ", count: spaces)
        guard item else {
            return block.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
        }
        var items: [[Substring]] = []
        var depth = 0
        for line in block.split(separator: "\n") {
            if depth == 0 { items.append([]) }
            items[items.count - 1].append(line)
            if line.hasPrefix("if ") { depth += 1 }
            if line == "fi" { depth -= 1 }
        }
        return items.map { lines in
            lines.count == 1 ? "\(pad)- \(lines[0])"
                : "\(pad)- |\n" + lines.map { "\(pad)  \($0)" }.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
