#!/bin/sh
# Installs a registry release archive made by Scripts/release.sh:
#   install.sh [--version V] [--prefix DIR (default /usr/local)] [--from URL-or-folder]
# It fetches registry-<V>-linux-<arch>.tar.gz and its .sha256, refuses an archive that does not match
# its checksum, checks the system libraries the binary needs, and only then puts bin/* into
# PREFIX/bin, each file by an atomic rename. Without --from it downloads from the GitHub Releases of
# the project (set REGISTRY_RELEASES to your own releases base URL); a local folder works as well.
set -eu

releases=${REGISTRY_RELEASES:-https://github.com/analytics-registry/registry/releases/download}
version=""
prefix=/usr/local
from=""

fail() {
    echo "install.sh: $1" >&2
    exit "${2:-1}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --version) [ $# -ge 2 ] || fail "--version needs a value, such as --version 0.1.0." 2; version=$2; shift 2 ;;
        --prefix) [ $# -ge 2 ] || fail "--prefix needs a folder, such as --prefix /usr/local." 2; prefix=$2; shift 2 ;;
        --from) [ $# -ge 2 ] || fail "--from needs a URL or a folder holding the archive." 2; from=$2; shift 2 ;;
        -h | --help) sed -n '2,7p' "$0"; exit 0 ;;
        *) fail "unknown argument '$1'; use: install.sh [--version V] [--prefix DIR] [--from URL-or-folder]." 2 ;;
    esac
done

arch=$(uname -m)
case "$arch" in
    x86_64 | aarch64) ;;
    *) fail "releases exist for x86_64 and aarch64 only, not '$arch'." 2 ;;
esac

if [ -z "$version" ]; then
    if [ -z "$from" ] || [ ! -d "$from" ]; then
        fail "pass --version V (the release to install, such as 0.1.0)." 2
    fi
    # From a folder, the newest archive for this machine.
    newest=$(find "$from" -maxdepth 1 -name "registry-*-linux-$arch.tar.gz" | sed "s|.*/registry-||; s|-linux-$arch.tar.gz\$||" | sort -V | tail -n 1)
    [ -n "$newest" ] || fail "the folder '$from' holds no registry-<version>-linux-$arch.tar.gz; pass --from the folder release.sh wrote (dist/)." 2
    version=$newest
fi
[ -n "$from" ] || from="$releases/v$version"
name="registry-$version-linux-$arch"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

fetch() {
    case "$from" in
        http://* | https://*)
            if command -v curl >/dev/null 2>&1; then
                curl -fsSL -o "$work/$1" "$from/$1" || fail "could not download '$from/$1'; check --version and --from."
            else
                wget -q -O "$work/$1" "$from/$1" || fail "could not download '$from/$1'; check --version and --from."
            fi
            ;;
        *)
            [ -f "$from/$1" ] || fail "'$from/$1' does not exist; pass --from the folder holding the release archive and its .sha256." 2
            cp "$from/$1" "$work/$1"
            ;;
    esac
}
fetch "$name.tar.gz"
fetch "$name.tar.gz.sha256"

expected=$(cut -d' ' -f1 "$work/$name.tar.gz.sha256")
actual=$(sha256sum "$work/$name.tar.gz" | cut -d' ' -f1)
if [ "$expected" != "$actual" ]; then
    fail "the archive '$from/$name.tar.gz' has SHA-256 $actual, but '$name.tar.gz.sha256' says $expected, so nothing was installed; download both files again from the release page."
fi

tar -xzf "$work/$name.tar.gz" -C "$work"
[ -x "$work/$name/bin/registry" ] || fail "the archive holds no $name/bin/registry; it is not a registry release."

# Every library ldd cannot find, with its Debian package from the archive's SYSTEM-LIBRARIES.
missing=$(for program in "$work/$name"/bin/*; do ldd "$program"; done | awk '$2 == "=>" && $3 == "not" { print $1 }' | sort -u)
if [ -n "$missing" ]; then
    packages=$(for library in $missing; do
        awk -v library="$library" '$1 == library { print $2 }' "$work/$name/SYSTEM-LIBRARIES"
    done | sort -u | tr '\n' ' ')
    fail "this machine lacks the system libraries $(echo "$missing" | tr '\n' ' '); install them with 'apt-get install ${packages% }', then run install.sh again."
fi

mkdir -p "$prefix/bin" || fail "cannot create '$prefix/bin'; run as a user who may write there, or pass --prefix DIR." 2
for program in "$work/$name"/bin/*; do
    target="$prefix/bin/$(basename "$program")"
    partial="$prefix/bin/.$(basename "$program").install-$$"
    # A copy left by an install that was killed (its process is gone) is removed; a running one's is kept.
    for stale in "$prefix/bin/.$(basename "$program").install-"*; do
        [ -e "$stale" ] || continue
        kill -0 "${stale##*.install-}" 2>/dev/null || rm -f "$stale"
    done
    cp "$program" "$partial" || fail "cannot write '$partial'; run as a user who may write to '$prefix/bin', or pass --prefix DIR." 2
    chmod 0755 "$partial"
    sync "$partial"
    mv -f "$partial" "$target"
done
echo "Installed $("$prefix/bin/registry" --version) into $prefix/bin."
command -v bwrap >/dev/null 2>&1 || [ -x /usr/bin/bwrap ] || echo "install.sh: note: products run inside bubblewrap; install it with 'apt-get install bubblewrap'." >&2
# libcurl is not in SYSTEM-LIBRARIES: the binary runs without it and only `registry links` loads it.
if libraries=$( (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null); then
    case $libraries in
        *"libcurl.so.4 "*) ;;
        *) echo "install.sh: note: 'registry links' fetches through libcurl; install it with 'apt-get install libcurl4' (libcurl4t64 on Ubuntu 24.04)." >&2 ;;
    esac
fi
echo "Run 'registry doctor' to see what this machine can do."
