#!/usr/bin/env bash
# The test command from the README: builds the registry and runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
swift test
