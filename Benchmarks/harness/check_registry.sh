#!/usr/bin/env bash
# Re-checks a registry with stock tools only (git, sha256sum, ssh-keygen, awk), independently of the
# registry binary and of the generator:
#   - registry.json pins the SHA-256 of Reviews/board/keyring.v0001;
#   - every keyring signature verifies with `ssh-keygen -Y verify` against the keyring's own members;
#   - for a sample of approval statements: the signature verifies (review namespace, the reviewer's
#     key), and product, version, tree, content-sha256 and demographic-fields match the product at HEAD
#     (tree from `git rev-parse`, digest by the DESIGN section 2 recipe: `git ls-tree -r` + `sha256sum`).
#
# Usage: Benchmarks/harness/check_registry.sh REPO [STATEMENTS]   (STATEMENTS to sample, default 6)
set -euo pipefail

repo=${1:?usage: check_registry.sh REPO [STATEMENTS]}
sample=${2:-6}
cd "$repo"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

keyring=Reviews/board/keyring.v0001
anchor=$(sha256sum "$keyring" | cut -d' ' -f1)
grep -q "\"trust_anchor\": \"$anchor\"" registry.json || fail "registry.json does not pin $anchor"
awk '/^member: / { print $2, $3, $4 }' "$keyring" > "$scratch/allowed_signers"

signed=0
for signature in Reviews/board/keyring.v0001.sigs/*.sig; do
    member=$(basename "$signature" .sig)
    if ssh-keygen -q -Y verify -f "$scratch/allowed_signers" -I "$member" -n keyring@analytics-registry \
        -s "$signature" < "$keyring" > /dev/null; then
        signed=$((signed + 1))
    else
        fail "keyring signature of $member does not verify"
    fi
done
threshold=$(awk '/^threshold-keyring: / { print $2 }' "$keyring")
[ "$signed" -ge "$threshold" ] || fail "only $signed keyring signatures verify; threshold is $threshold"

# The DESIGN section 2 digest, with stock tools.
content_digest() {
    git ls-tree -r "HEAD:Products/$1" | while IFS=$'\t' read -r meta path; do
        read -r mode _ object <<< "$meta"
        printf '%s %s %s\n' "$mode" "$(git cat-file blob "$object" | sha256sum | cut -d' ' -f1)" "$path"
    done | LC_ALL=C sort -t' ' -k3 | sha256sum | cut -d' ' -f1
}

# Demographic field names declared by a manifest, sorted, comma-separated.
declared_fields() {
    awk '/^[a-z_]+:/ { section = $1 } section == "demographic_fields:" && /^  - field: / { print $3 }' \
        "Products/$1/product.yaml" | LC_ALL=C sort | paste -sd, -
}

mapfile -t statements < <(git ls-files 'Reviews/*.approval' | LC_ALL=C sort)
total=${#statements[@]}
[ "$total" -gt 0 ] || fail "no approval statements found"
step=$(( total / sample > 0 ? total / sample : 1 ))
checked=0
for ((index = 0; index < total; index += step)); do
    statement=${statements[$index]}
    field() { awk -v key="$1" 'index($0, key ":") == 1 { sub(/^[^:]*: ?/, ""); print; exit }' "$statement"; }
    product=$(field product); version=$(field version); reviewer=$(field reviewer)
    ssh-keygen -q -Y verify -f "$scratch/allowed_signers" -I "$reviewer" -n review@analytics-registry \
        -s "$statement.sig" < "$statement" > /dev/null || fail "$statement: signature does not verify"
    [ "$(field tree)" = "$(git rev-parse "HEAD:Products/$product")" ] || fail "$statement: tree differs from HEAD"
    [ "$(field content-sha256)" = "$(content_digest "$product")" ] || fail "$statement: content-sha256 differs"
    [ "$(field demographic-fields)" = "$(declared_fields "$product")" ] || fail "$statement: demographic-fields differ"
    grep -qx "version: \"$version\"" "Products/$product/product.yaml" || fail "$statement: version $version is not HEAD's"
    checked=$((checked + 1))
done

if [ "$failures" -gt 0 ]; then
    echo "$failures problem(s) found in $repo" >&2
    exit 1
fi
echo "OK: trust anchor, $signed keyring signatures, $checked of $total approval statements (signature, tree, digest, fields) verified with stock tools."
