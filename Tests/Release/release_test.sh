#!/usr/bin/env bash
# End-to-end test of the release path, run by Scripts/test.sh: builds the archive once with
# Scripts/release.sh, unpacks it into an empty folder and drives a registry from init to catalog
# with no Swift toolchain on PATH and no LD_LIBRARY_PATH, then installs it with Scripts/install.sh
# from a local folder, and checks that a tampered archive is refused with nothing installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

failures=0
check() { # check DESCRIPTION COMMAND...: runs the command, reports and counts a failure
    local description=$1
    shift
    if "$@"; then
        echo "ok: $description"
    else
        echo "FAILED: $description" >&2
        if [ -s "${work:-}/out" ]; then sed 's/^/    /' "$work/out" >&2; fi
        failures=$((failures + 1))
    fi
}

if command -v shellcheck >/dev/null 2>&1; then
    check "shellcheck finds nothing in the release scripts" shellcheck Scripts/release.sh Scripts/install.sh Tests/Release/release_test.sh
fi

archive=$(Scripts/release.sh | tail -n 1)
arch=$(uname -m)
commit=$(git rev-parse HEAD)
name=$(basename "$archive" .tar.gz)
check "the archive is named registry-<version>-linux-$arch.tar.gz" test "$name" = "registry-$(grep -o '"[0-9][^"]*"' Sources/RegistryCore/RegistryVersion.swift | head -n 1 | tr -d '"')-linux-$arch"
check "its checksum file verifies with sha256sum -c" sh -c "cd '$(dirname "$archive")' && sha256sum --quiet -c '$name.tar.gz.sha256'"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/unpacked" "$work/home" "$work/agency"
tar -xzf "$archive" -C "$work/unpacked"
check "the archive holds one top folder $name" test "$(ls "$work/unpacked")" = "$name"
for file in bin/registry README.md SYSTEM-LIBRARIES; do
    check "the archive holds $file" test -s "$work/unpacked/$name/$file"
done
binary="$work/unpacked/$name/bin/registry"
check "ldd shows no Swift library" sh -c "! ldd '$binary' | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime'"
check "ldd shows no libcurl (only registry links loads it)" sh -c "! ldd '$binary' | grep -q libcurl"
check "SYSTEM-LIBRARIES names libgit2 and its Debian package" grep -Eq '^libgit2[^ ]* libgit2' "$work/unpacked/$name/SYSTEM-LIBRARIES"

# Only the system's programs: no Swift toolchain, no library path, a fresh home with a git identity.
git config --file "$work/home/.gitconfig" user.name "Release Tester"
git config --file "$work/home/.gitconfig" user.email "release@example.org"
plain() { env -i HOME="$work/home" PATH=/usr/bin:/bin LANG=C.UTF-8 "$@"; }
check "swift is not on the test PATH" plain sh -c '! command -v swift'
registry() { (cd "$work/agency" && plain "$binary" "$@"); }
status_of() { set +e; "$@" >"$work/out" 2>&1; local status=$?; set -e; echo "$status"; }

check "--version names the commit of HEAD" sh -c "'$binary' --version | grep -q 'commit $commit'"
check "init makes an empty folder a registry" test "$(status_of registry init --title "Release test registry")" = 0
ssh-keygen -q -t ed25519 -N "" -C alice -f "$work/alice"
check "board init writes the first keyring and pins it" test "$(status_of registry board init --member "alice $(cut -d' ' -f1,2 "$work/alice.pub")")" = 0
(cd "$work/agency" && plain git add -A && plain git commit -q -m "Board keyring")
check "new scaffolds a product" test "$(status_of registry new station-crowding)" = 0
check "register commits it" test "$(status_of registry register station-crowding -m "First version")" = 0
check "env build installs its pinned pandas environment" test "$(status_of registry env build station-crowding)" = 0
check "check runs it in the sandbox and passes" test "$(status_of registry check station-crowding)" = 0
status=$(status_of registry status)
check "status reports the product (exit 0 or 1: a product not yet approved is a finding)" sh -c "[ '$status' -le 1 ] && grep -q station-crowding '$work/out'"
check "catalog build writes the site" test "$(status_of registry catalog build --out "$work/site")" = 0
check "the site has its index page naming the product" grep -q station-crowding "$work/site/index.html"
check "doctor says products can run" test "$(status_of registry doctor)" = 0

# install.sh from a local folder: a good archive installs, a tampered one is refused.
check "install.sh installs a good archive" test "$(status_of plain sh Scripts/install.sh --from "$root/dist" --prefix "$work/prefix")" = 0
check "the installed registry names HEAD's commit" sh -c "'$work/prefix/bin/registry' --version | grep -q 'commit $commit'"
mkdir -p "$work/tampered"
cp "$archive" "$archive.sha256" "$work/tampered/"
printf 'x' >>"$work/tampered/$name.tar.gz"
status=$(status_of plain sh Scripts/install.sh --from "$work/tampered" --prefix "$work/prefix-tampered")
check "install.sh refuses a tampered archive (exit $status)" test "$status" != 0
check "its refusal is one sentence naming the checksum" grep -q "nothing was installed" "$work/out"
check "nothing was installed from the tampered archive" test ! -e "$work/prefix-tampered/bin/registry"

# Kill loop: install.sh killed (SIGKILL) at moments spread over 1.5 times a clean install's duration leaves
# PREFIX/bin/registry whole, the old bytes or the new, never a torn file; the next install then
# succeeds and clears the partial copies the killed ones left.
kill_prefix="$work/prefix-kill"
mkdir -p "$kill_prefix/bin" "$work/tmp"
new_sum=$(sha256sum "$binary" | cut -d' ' -f1)
install_once() { env -i HOME="$work/home" PATH=/usr/bin:/bin TMPDIR="$work/tmp" sh Scripts/install.sh --from "$root/dist" --prefix "$kill_prefix"; }
start=$(date +%s%N)
install_once >/dev/null 2>&1
duration_ms=$((($(date +%s%N) - start) / 1000000))
cases=0 torn=0 old_kept=0 new_installed=0
for step in $(seq 0 15); do
    printf '#!/bin/sh\necho old\n' >"$kill_prefix/bin/registry"
    old_sum=$(sha256sum "$kill_prefix/bin/registry" | cut -d' ' -f1)
    env -i HOME="$work/home" PATH=/usr/bin:/bin TMPDIR="$work/tmp" \
        sh Scripts/install.sh --from "$root/dist" --prefix "$kill_prefix" >/dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v ms="$duration_ms" -v step="$step" 'BEGIN { printf "%.3f", ms * 1.5 * step / 15 / 1000 }')"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    sleep 0.2 # a cp or mv the killed shell had started finishes on its own
    sum=$(sha256sum "$kill_prefix/bin/registry" | cut -d' ' -f1)
    cases=$((cases + 1))
    if [ "$sum" = "$new_sum" ]; then new_installed=$((new_installed + 1))
    elif [ "$sum" = "$old_sum" ]; then old_kept=$((old_kept + 1))
    else torn=$((torn + 1)); fi
done
echo "kill loop: $cases installs killed over ${duration_ms} ms: $old_kept kept the old file, $new_installed had installed the new one, $torn torn"
check "no killed install left a torn registry ($cases cases)" test "$torn" = 0
check "an install after the killed ones succeeds" test "$(status_of install_once)" = 0
check "and leaves no partial copy behind" sh -c "! ls -A '$kill_prefix/bin' | grep -q install-"

if [ "$failures" -gt 0 ]; then
    echo "release_test.sh: $failures checks failed." >&2
    exit 1
fi
echo "release_test.sh: every check passed."
