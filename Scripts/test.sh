#!/usr/bin/env bash
# The test command from the README: builds the registry, runs every Swift test suite, then opens
# the catalog the tests wrote in headless Chromium for the accessibility and safety checks.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build
swift test

# Browser checks need Debian's chromium and chromium-driver (installed by Scripts/quickstart.sh and
# .ci/run) and two PyPI packages, kept in a virtual environment under .build/.
venv=.build/browser-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet selenium axe-selenium-python
fi
"$venv/bin/python" Tests/Browser/check_catalog.py .build/catalog-browser-site
