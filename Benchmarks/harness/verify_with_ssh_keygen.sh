#!/usr/bin/env bash
# Baseline for statement verification: one stock `ssh-keygen -Y verify` per review statement, against
# an allowed_signers file built from the newest keyring. Prints how many statements it verified.
# Usage: verify_with_ssh_keygen.sh REPO
set -euo pipefail
cd "$1"
keyring=$(printf '%s\n' Reviews/board/keyring.v[0-9][0-9][0-9][0-9] | LC_ALL=C sort | tail -n 1)
signers=$(mktemp)
trap 'rm -f "$signers"' EXIT
awk '/^member: / { print $2, $3, $4 }' "$keyring" > "$signers"
count=0
while IFS= read -r statement; do
    reviewer=$(basename "$statement"); reviewer=${reviewer%.*}
    ssh-keygen -q -Y verify -f "$signers" -I "$reviewer" -n review@analytics-registry \
        -s "$statement.sig" < "$statement" > /dev/null
    count=$((count + 1))
done < <(git ls-files 'Reviews/*.approval' 'Reviews/*.rejection' 'Reviews/*.revocation' | grep -v '^Reviews/board/')
echo "$count"
