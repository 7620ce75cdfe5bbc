# shellcheck shell=bash disable=SC2154
# Measurement helpers for Benchmarks/harness.sh (sourced, not run; $state, $table, $timeout_seconds
# $have_hyperfine, $registry, $build_note and $registry_skip are set there).
#
# measure ID RUNS PREPARE COMMAND   (COMMAND: quoted words, no shell syntax)
#   Runs PREPARE (if any) then COMMAND once under `/usr/bin/time -v` (peak RSS, exit status), then,
#   when RUNS > 1, RUNS more times under hyperfine (PREPARE before each run) for the median.
#   With RUNS = 1 the probe's own wall time is the result (for measurements too slow to repeat).
#   Exit status 0 and 1 both count as a completed run (1 means "findings" in the registry's
#   contract); anything else, a signal or a timeout is recorded as "failed: <first stderr line>".
#   Results land in $state/ID.{median,rss,status}.
#
#   When the probe shows that RUNS repetitions would take longer than $repeat_budget seconds, the
#   probe's wall time is the result and the row says "1 run". While $registry_skip holds a reason,
#   registry commands are not run and their rows say "skipped: <reason>".
# Needs: $state (a folder), $timeout_seconds, $repeat_budget, $have_hyperfine (yes/no).

measure() {
    local id=$1 runs=$2 prepare=$3 command=$4
    local err="$state/$id.err" timing="$state/$id.time" status
    printf '  %-34s ' "$id" >&2
    if [[ $command == "'$registry'"* ]]; then
        if [ ! -x "$registry" ]; then
            record_failure "$id" "no registry binary ($build_note)"
            return
        fi
        if [ -n "$registry_skip" ]; then
            echo "skipped: $registry_skip" | tee "$state/$id.status" >&2
            return
        fi
    fi
    if [ -n "$prepare" ] && ! bash -c "$prepare" > /dev/null 2> "$state/$id.prepare.err"; then
        record_failure "$id" "preparation failed: $(first_line "$state/$id.prepare.err")"
        return
    fi
    set +e
    /usr/bin/time -v -o "$timing" timeout --kill-after=10 "$timeout_seconds" bash -c "$command" > /dev/null 2> "$err"
    status=$?
    set -e
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        # 137: it ignored the polite signal and was killed (or the kernel killed it for memory).
        record_failure "$id" "timed out after ${timeout_seconds} s$( [ "$status" -eq 137 ] && echo ', or killed')"
        return
    fi
    if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
        record_failure "$id" "$(first_line "$err") (exit $status)"
        return
    fi
    awk -F': ' '/Maximum resident set size/ { print $2 }' "$timing" > "$state/$id.rss"
    local probe
    probe=$(wall_seconds "$timing")
    # Keep the whole harness within its time budget: a slow command is timed by its probe alone.
    if [ "$runs" -gt 1 ] && awk -v p="$probe" -v n="$runs" -v b="$repeat_budget" 'BEGIN { exit !(p * n > b) }'; then
        runs=1
    fi
    if [ "$runs" -le 1 ]; then
        echo "$probe" > "$state/$id.median"
        echo 1 > "$state/$id.runs"
    elif [ "$have_hyperfine" = yes ]; then
        # No intermediate shell (-N): commands are quoted words, and tiny git baselines stay accurate.
        local options=(-N --runs "$runs" --ignore-failure --style none --export-json "$state/$id.json")
        [ -n "$prepare" ] && options+=(--prepare "$prepare")
        if ! hyperfine "${options[@]}" "$command" > /dev/null 2> "$state/$id.hyperfine.err"; then
            record_failure "$id" "hyperfine: $(first_line "$state/$id.hyperfine.err")"
            return
        fi
        python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' \
            "$state/$id.json" > "$state/$id.median"
    else
        local run start end
        : > "$state/$id.times"
        for ((run = 0; run < runs; run++)); do
            [ -n "$prepare" ] && bash -c "$prepare" > /dev/null 2>&1
            start=$(date +%s%N)
            bash -c "$command" > /dev/null 2>&1 || true
            end=$(date +%s%N)
            echo "$(( (end - start) / 1000 ))e-6" >> "$state/$id.times"
        done
        python3 -c 'import statistics, sys; print(statistics.median(float(x) for x in open(sys.argv[1])))' \
            "$state/$id.times" > "$state/$id.median"
    fi
    echo ok > "$state/$id.status"
    printf '%s\n' "$(format_seconds "$(cat "$state/$id.median")")" >&2
}

record_failure() {
    echo "failed: $2" > "$state/$1.status"
    echo "failed: $2" >&2
}

first_line() {
    local line
    line=$(grep -v '^\s*$' "$1" 2>/dev/null | head -n 1 | cut -c1-160 | tr '|' '/')
    echo "${line:-no error message}"
}

# Wall time in seconds from a `/usr/bin/time -v` report ("h:mm:ss" or "m:ss.ss").
wall_seconds() {
    awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, part, ":"); seconds = 0
        for (i = 1; i <= n; i++) seconds = seconds * 60 + part[i]
        print seconds }' "$1"
}

format_seconds() {
    awk -v s="$1" 'BEGIN { if (s == "") print "-"; else if (s < 1) printf "%.1f ms\n", s * 1000; else printf "%.2f s\n", s }'
}

# One Markdown table row: the registry measurement against its baseline, with a target verdict.
#   row LABEL ID BASELINE_LABEL BASELINE_ID TARGET_TEXT TARGET_EXPRESSION
# TARGET_EXPRESSION is awk over `m` (median, s) and `r` (ratio to baseline), or empty.
row() {
    local label=$1 id=$2 baseline_label=$3 baseline=$4 target=$5 rule=$6
    local result median base ratio rss verdict
    result=$(cat "$state/$id.status" 2>/dev/null || echo "failed: not run")
    if [ "$result" = ok ]; then
        median=$(cat "$state/$id.median")
        result=$(format_seconds "$median")
        [ -f "$state/$id.runs" ] && result="$result (1 run)"
        rss=$(awk '{ printf "%.0f MB", $1 / 1024 }' "$state/$id.rss")
    else
        median=""; rss="-"
    fi
    base="-"; ratio="-"
    if [ -n "$baseline" ]; then
        if [ "$(cat "$state/$baseline.status" 2>/dev/null)" = ok ]; then
            base=$(format_seconds "$(cat "$state/$baseline.median")")
            [ -f "$state/$baseline.runs" ] && base="$base (1 run)"
            [ -n "$median" ] && ratio=$(awk -v a="$median" -v b="$(cat "$state/$baseline.median")" \
                'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "-" }')
        else
            base="failed (see its own row or the log)"
        fi
        base="$baseline_label: $base"
    fi
    verdict="-"
    if [ -n "$rule" ] && [ -n "$median" ]; then
        local r
        r=$(awk -v a="$median" -v b="$( [ -n "$baseline" ] && cat "$state/$baseline.median" 2>/dev/null || echo 0)" \
            'BEGIN { if (b > 0) print a / b; else print 0 }')
        if awk -v m="$median" -v r="$r" "BEGIN { exit !($rule) }"; then verdict="met"; else verdict="**missed**"; fi
        verdict="$target: $verdict"
    elif [ -n "$target" ]; then
        verdict="$target: -"
    fi
    printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$result" "$base" "$ratio" "$rss" "$verdict" >> "$table"
}
