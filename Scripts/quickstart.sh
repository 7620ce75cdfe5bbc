#!/usr/bin/env bash
# Quick start: install what is missing, build the registry, check every example product and build
# the public catalog of this repository's example registry into .registry/catalog/ (the catalog
# cache lives apart, in .registry/catalog-cache/, so each build can replace the site folder whole).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libgit2-dev libsqlite3-dev sqlite3 libcurl4-openssl-dev pkg-config bubblewrap openssh-client git python3 python3-venv chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing: ${missing[*]}"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

swift build --product registry
swift build --product registry-launcher   # runs each product's sandbox; must sit beside registry
registry=".build/debug/registry"

"$registry" index
"$registry" env build --all   # the pinned pandas environment of the example product, from PyPI
"$registry" check --all
"$registry" status || echo "(status exits 1 while a product in use awaits approval: the same gate CI applies)"
"$registry" catalog build --out .registry/catalog --allegations Data/allegations-demo.csv
echo "Open .registry/catalog/index.html in a browser."
