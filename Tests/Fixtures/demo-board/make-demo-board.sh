#!/bin/sh
# Regenerates the demonstration board: keys here, keyrings and signatures under Reviews/board/.
# Run from the repository root: sh Tests/Fixtures/demo-board/make-demo-board.sh
# Uses only stock OpenSSH (ssh-keygen -t ed25519, ssh-keygen -Y sign).
set -eu
keys=Tests/Fixtures/demo-board
board=Reviews/board
mkdir -p "$board"

for member in alice bob carol dave erin frank; do
    if [ ! -f "$keys/$member" ]; then
        ssh-keygen -q -t ed25519 -N '' -C "$member (demo board, not for real use)" -f "$keys/$member"
    fi
done

# git checks files out 0644, which ssh-keygen refuses for private keys.
chmod 600 "$keys"/alice "$keys"/bob "$keys"/carol "$keys"/dave "$keys"/erin "$keys"/frank

key() { cut -d' ' -f1,2 "$keys/$1.pub"; }

# keyring VERSION EXPIRES MEMBER...  (members must be given sorted by id)
keyring() {
    version=$1 expires=$2; shift 2
    {
        echo "format: analytics-registry/1"
        echo "type: keyring"
        echo "version: $version"
        echo "expires: $expires"
        echo "threshold-keyring: 3"
        echo "threshold-approval: 2"
        echo "threshold-approval-demographic: 3"
        echo "threshold-board-revocation: 3"
        for member in "$@"; do echo "member: $member $(key "$member")"; done
    }
}

# sign FILE MEMBER...
sign() {
    file=$1; shift
    rm -rf "$file.sigs"
    mkdir -p "$file.sigs"
    for member in "$@"; do
        ssh-keygen -q -Y sign -n keyring@analytics-registry -f "$keys/$member" "$file" 2>/dev/null
        mv "$file.sig" "$file.sigs/$member.sig"
    done
}

keyring 1 2027-06-30T00:00:00Z alice bob carol dave erin > "$board/keyring.v0001"
sign "$board/keyring.v0001" alice bob carol

# Version 2 rotates erin out and frank in: three members of version 1 and three of version 2 sign.
keyring 2 2027-12-31T00:00:00Z alice bob carol dave frank > "$board/keyring.v0002"
sign "$board/keyring.v0002" alice bob dave erin frank

echo "trust anchor (SHA-256 of $board/keyring.v0001): $(sha256sum "$board/keyring.v0001" | cut -d' ' -f1)"
