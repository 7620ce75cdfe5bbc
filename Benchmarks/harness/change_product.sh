#!/usr/bin/env bash
# Commits one small change to one product (a line in its README), as a benchmark's "one new commit".
# Usage: change_product.sh REPO PRODUCT_ID
set -euo pipefail
repo=$1 product=$2
readme="$repo/Products/$product/README.md"
echo "- note $(date +%s%N): benchmark edit" >> "$readme"
git -C "$repo" add "Products/$product/README.md"
git -C "$repo" -c user.name="Benchmark Analyst" -c user.email=analyst@transit.example.org \
    commit -q -m "$product: note a benchmark edit"
