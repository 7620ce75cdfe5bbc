#!/usr/bin/env bash
# Benchmarks the registry against named baselines and writes Benchmarks/results.md.
#
# Usage: Benchmarks/harness.sh [--quick] [--registry PATH] [--out FILE] [--keep] [--timeout S] [--repeat-budget S]
#
#   --quick            only the 100-product registry (a few minutes)
#   --registry PATH    use this registry binary instead of building one (skips `swift build`)
#   --out FILE         write the report here (default Benchmarks/results.md)
#   --keep             keep the generated registries and raw timings (the path is printed)
#   --timeout SECONDS  give up on one command after this long (default 300; three times that for a
#                      whole Benchmarks/*/bench.sh); it is reported as failed
#   --repeat-budget S  repeat a measurement only while the repetitions fit in S seconds (default 45);
#                      slower commands are timed by one run, and the row says so
#
# What it does, in one go on this machine:
#   1. builds the release `registry` and `registry-launcher` products (unless --registry);
#   2. generates synthetic registries of 100 and 1,000 products x 10 versions with
#      Scripts/generate_registry.py (signed keyring and approvals, allegations) under a temp folder;
#   3. times each registry command with hyperfine (median; apt-installed when missing, else a timed
#      loop) and its peak memory with `/usr/bin/time -v`, each against a baseline measured in the same
#      run (git, or stock ssh-keygen), and checks the targets;
#   4. runs Benchmarks/{sandbox,disparity,reviews,index}/bench.sh when they exist, with
#      REGISTRY_BIN (the binary measured), BENCH_REGISTRY (the 100-product registry) and
#      INDEX_BENCH_REGISTRY (the largest one) in the environment; Markdown output is included as is, anything else as a code block.
# A command that fails (exit status other than 0 or 1, which means "findings") is reported as
# "failed: <first line of stderr>" and the harness goes on. About 15 minutes on 2 cores.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
quick=no registry="" out="$root/Benchmarks/results.md" keep=no timeout_seconds=300 repeat_budget=45 registry_skip=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=yes ;;
        --registry) registry=$(realpath "${2:?--registry needs a path}"); shift ;;
        --out) out=$(realpath -m "${2:?--out needs a file}"); shift ;;
        --keep) keep=yes ;;
        --timeout) timeout_seconds=${2:?--timeout needs seconds}; shift ;;
        --repeat-budget) repeat_budget=${2:?--repeat-budget needs seconds}; shift ;;
        -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "harness.sh: unknown option '$1'; see --help." >&2; exit 2 ;;
    esac
    shift
done

# Tools: hyperfine and GNU time from apt when missing; a timed loop stands in if apt is unavailable.
install_missing() {
    local missing=()
    command -v hyperfine > /dev/null || missing+=(hyperfine)
    [ -x /usr/bin/time ] || missing+=(time)
    command -v ssh-keygen > /dev/null || missing+=(openssh-client)
    [ ${#missing[@]} -eq 0 ] && return
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    echo "Installing ${missing[*]} from apt..." >&2
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; } \
        > /dev/null 2>&1 || echo "harness.sh: could not install ${missing[*]}; continuing without." >&2
}
install_missing
[ -x /usr/bin/time ] || { echo "harness.sh: /usr/bin/time is required (apt-get install time)." >&2; exit 2; }
have_hyperfine=no
command -v hyperfine > /dev/null && have_hyperfine=yes

work=$(mktemp -d "${TMPDIR:-/tmp}/registry-bench-XXXXXX")
state="$work/state"
table="$work/table.md"
mkdir -p "$state"
if [ "$keep" = yes ]; then
    echo "Keeping $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi
# shellcheck source=Benchmarks/harness/lib.sh
source "$root/Benchmarks/harness/lib.sh"
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

build_note=""
if [ -z "$registry" ]; then
    echo "Building the release binary..." >&2
    if (cd "$root" && swift build -c release --product registry && swift build -c release --product registry-launcher) > "$work/build.log" 2>&1; then
        registry="$(cd "$root" && swift build -c release --show-bin-path)/registry"
    else
        build_note="release build failed: $(grep -m1 -i 'error' "$work/build.log" | cut -c1-160 || true)"
        registry="$work/registry-not-built"
        echo "harness.sh: the release build $build_note; registry rows will fail." >&2
    fi
fi
build_note=${build_note:-"$registry"}

# The flag that bypasses the check cache has been spelled --no-cache and --force; without either,
# only the probe run of a "cold" check is really cold.
cold_flag=""
cold_runs=2
check_help=$("$registry" check --help 2>&1 || true)
if grep -q -- '--no-cache' <<< "$check_help"; then cold_flag="--no-cache"
elif grep -q -- '--force' <<< "$check_help"; then cold_flag="--force"
else cold_runs=1
fi

sizes=(100 1000)
[ "$quick" = yes ] && sizes=(100)
nproc=$(nproc)
bench_date=$(date -u +%F)
generation=()

for size in "${sizes[@]}"; do
    repo="$work/registry-$size"
    echo "Generating $size products x 10 versions..." >&2
    summary=$(python3 "$root/Scripts/generate_registry.py" "$repo" --products "$size" --versions 10 \
        --date "$bench_date" --seed 1)
    generation+=("$summary")
    # Registry commands run inside the registry (its default repository), which works whether or not
    # a subcommand accepts --repo in front of it yet.
    cd "$repo"
    reg="'$registry'"
    ids=$(find "$repo/Products" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort)
    product=$(sed -n 1p <<< "$ids")
    changed=$(sed -n 2p <<< "$ids")
    change="'$root/Benchmarks/harness/change_product.sh' '$repo' '$changed'"
    commits=$(git -C "$repo" rev-list --count HEAD)
    statements=$(git -C "$repo" ls-files 'Reviews/*.approval' 'Reviews/*.rejection' 'Reviews/*.revocation' | wc -l)
    catalog="$work/catalog-$size"
    # Measurements too slow to repeat at 1,000 products run once there.
    heavy=3; [ "$size" -ge 1000 ] && heavy=1
    s=$size

    echo "Measuring at $size products:" >&2
    registry_skip=""
    measure "$s-index-rebuild" "$heavy" "" "$reg index --rebuild"
    # Every other command reads the index; without one, each would time out in turn.
    if grep -q "timed out" "$state/$s-index-rebuild.status"; then
        registry_skip="\`index --rebuild\` did not finish within $timeout_seconds s"
    fi
    measure "$s-git-log" 3 "" "git -C '$repo' log --name-only --format=%H"
    measure "$s-index-incremental" 5 "$change" "$reg index"
    measure "$s-git-log-1" 5 "" "git -C '$repo' log -1 --name-only --format=%H"
    measure "$s-history" 10 "" "$reg history '$product'"
    measure "$s-git-log-path" 10 "" "git -C '$repo' log --format=%H -- 'Products/$product'"
    measure "$s-list" 10 "" "$reg list"
    measure "$s-git-ls-tree" 10 "" "git -C '$repo' ls-tree HEAD Products/"
    measure "$s-status-one" 10 "" "$reg status '$product'"
    measure "$s-show" 10 "" "$reg show '$product'"
    measure "$s-git-show" 10 "" "git -C '$repo' show 'HEAD:Products/$product/product.yaml'"
    measure "$s-status-all" 5 "" "$reg status --all"
    measure "$s-git-ls-tree-r" 5 "" "git -C '$repo' ls-tree -r HEAD Products Reviews"
    measure "$s-review-verify" "$heavy" "" "$reg review verify"
    measure "$s-ssh-keygen-verify" 1 "" "'$root/Benchmarks/harness/verify_with_ssh_keygen.sh' '$repo'"
    measure "$s-check-jobs-1" "$(( heavy > 1 ? cold_runs : 1 ))" "" "$reg check --all $cold_flag --jobs 1"
    measure "$s-check-jobs-n" "$(( heavy > 1 ? cold_runs : 1 ))" "" "$reg check --all $cold_flag --jobs $nproc"
    measure "$s-check-warm" 3 "$change" "$reg check --all --jobs $nproc"
    # Both catalog rows start from an up-to-date index (indexing a new commit has its own row above),
    # so their ratio compares catalog work alone. A full build gets an empty folder by moving the last
    # site aside, not deleting it: ext4 passes over recently freed inodes on every file it creates, so
    # deleting ~8,000 files just before would time the file system's recent past more than the build.
    # The spare folder a build keeps beside the site (and reuses as its next working folder) is moved
    # aside too, so the full build creates every file.
    spare="$work/.catalog-$size.catalog-spare"
    mkdir -p "$catalog"
    measure "$s-catalog-full" 3 "bash -c \"mv -T --backup=numbered '$catalog' '$catalog.old' && { [ ! -e '$spare' ] || mv -T --backup=numbered '$spare' '$spare.old'; }\"" "$reg catalog build --out '$catalog' --allegations '$repo/Data/allegations.csv'"
    measure "$s-catalog-incremental" 3 "bash -c \"$change && $reg index\"" "$reg catalog build --out '$catalog' --allegations '$repo/Data/allegations.csv'"

    {
        echo
        echo "### $size products × 10 versions ($commits commits, $statements signed statements)"
        echo
        echo "| measurement | registry (median) | baseline (median) | ratio | peak RSS | target |"
        echo "|---|---|---|---|---|---|"
    } >> "$table"
    row "\`index --rebuild\`" "$s-index-rebuild" "git log --name-only (all history)" "$s-git-log" "" ""
    row "\`index\` after one new commit" "$s-index-incremental" "git log -1 --name-only" "$s-git-log-1" "" ""
    row "\`history $product\`" "$s-history" "git log -- Products/<id>" "$s-git-log-path" "" ""
    row "\`list\`" "$s-list" "git ls-tree HEAD Products/" "$s-git-ls-tree" "< 100 ms" "m < 0.1"
    row "\`status $product\`" "$s-status-one" "git ls-tree HEAD Products/" "$s-git-ls-tree" "< 100 ms" "m < 0.1"
    row "\`show $product\`" "$s-show" "git show HEAD:…/product.yaml" "$s-git-show" "< 100 ms" "m < 0.1"
    row "\`status --all\`" "$s-status-all" "git ls-tree -r HEAD Products Reviews" "$s-git-ls-tree-r" "< 1 s" "m < 1"
    row "\`review verify\` ($statements statements)" "$s-review-verify" "ssh-keygen -Y verify × $statements" "$s-ssh-keygen-verify" "" ""
    row "\`check --all --jobs 1\` cold" "$s-check-jobs-1" "" "" "" ""
    row "\`check --all --jobs $nproc\` cold" "$s-check-jobs-n" "check --jobs 1 cold" "$s-check-jobs-1" "" ""
    row "\`check --all\` warm, one product changed" "$s-check-warm" "check --jobs $nproc cold" "$s-check-jobs-n" "" ""
    row "\`catalog build\` full" "$s-catalog-full" "" "" "< 3 s" "m < 3"
    row "\`catalog build\` after one change (index up to date)" "$s-catalog-incremental" "catalog build full" "$s-catalog-full" "≥ 5× faster" "r <= 0.2"
    rm -rf "$catalog" "$catalog".old* "$spare" "$spare".old*
    cd "$root"
done

# Benchmarks owned by other parts of the project, run when present.
hooks="$work/hooks.md"
: > "$hooks"
for hook in sandbox disparity reviews index; do
    script="$root/Benchmarks/$hook/bench.sh"
    [ -x "$script" ] || continue
    echo "Running Benchmarks/$hook/bench.sh..." >&2
    set +e
    REGISTRY_BIN="$registry" BENCH_REGISTRY="$work/registry-${sizes[0]}" \
        INDEX_BENCH_REGISTRY="$work/registry-${sizes[${#sizes[@]}-1]}" \
        timeout "$((timeout_seconds * 3))" "$script" > "$state/hook-$hook.out" 2> "$state/hook-$hook.err"
    status=$?
    set -e
    {
        echo
        echo "### \`Benchmarks/$hook/bench.sh\`"
        echo
        if [ "$status" -eq 0 ] && grep -v '^\s*$' "$state/hook-$hook.out" | head -n 1 | grep -q '^[|#]'; then
            cat "$state/hook-$hook.out"
        elif [ "$status" -eq 0 ]; then
            echo '```'
            cat "$state/hook-$hook.out"
            echo '```'
        else
            echo "failed: $(first_line "$state/hook-$hook.err") (exit $status)"
        fi
    } >> "$hooks"
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
memory=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
mkdir -p "$(dirname "$out")"
{
    echo "# Benchmark results"
    echo
    echo "Written by \`Benchmarks/harness.sh$( [ "$quick" = yes ] && echo ' --quick')\`; medians from $( [ "$have_hyperfine" = yes ] && echo "hyperfine $(hyperfine --version | cut -d' ' -f2)" || echo "a timed loop (hyperfine unavailable)"), peak RSS from \`/usr/bin/time -v\`."
    echo "Ratios are registry ÷ baseline (below 1× the registry is faster). Exit status 1 (findings) counts as a completed run."
    echo "Targets are set for 1,000 products; at 100 they are shown for reference. Rows measured once (the stock"
    echo "ssh-keygen baseline always; \`review verify\` and cold checks at 1,000 products) report that run, not a median."
    echo
    echo "| machine | |"
    echo "|---|---|"
    echo "| date (UTC) | $(date -u '+%Y-%m-%d %H:%M') |"
    echo "| CPU | ${cpu:-unknown} |"
    echo "| cores (\`nproc\`) | $nproc |"
    echo "| memory | $memory |"
    echo "| load average at start | $load_at_start |"
    echo "| commit | $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown) |"
    echo "| registry binary | $build_note |"
    echo
    echo "Generation (\`Scripts/generate_registry.py\`):"
    echo
    for line in "${generation[@]}"; do echo "- ${line/#Generated $work\//}"; done
    cat "$table"
    cat "$hooks"
} > "$out"
echo "Wrote $out" >&2
