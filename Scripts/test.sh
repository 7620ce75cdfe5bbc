#!/usr/bin/env bash
# The test command from the README: builds the registry, runs every Swift test suite, then opens
# the catalog the tests wrote in headless Chromium for the accessibility and safety checks.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build
swift test

# Browser checks need Debian's chromium and chromium-driver (installed by Scripts/quickstart.sh and
# .ci/run), selenium, and axe-core 4 from the PyPI package axe-playwright-python (only its
# axe.min.js, so without its Playwright dependency), kept in a virtual environment under .build/.
venv=.build/browser-venv
if [ ! -f "$venv/axe-core-4" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet selenium
    "$venv/bin/pip" install --quiet --no-deps axe-playwright-python==0.1.8
    touch "$venv/axe-core-4"
fi
"$venv/bin/python" Tests/Browser/check_catalog.py .build/catalog-browser-site

# The release archive: built once with the static Swift libraries, then used with no Swift on PATH.
Tests/Release/release_test.sh
