#!/usr/bin/env bash
# Runs a command where host names rebind: for the `registry links` end-to-end tests.
#
# Usage: unshare -rnm bash rebinding_namespace.sh WORKDIR NAME=ADDRESS[,ADDRESS...]... -- COMMAND...
#
# In the fresh network and mount namespaces unshare gives: loopback up with 10.55.0.1 (a private
# address) added to it; /etc/resolv.conf replaced, for this namespace only, by one naming
# rebinding_dns.py on 127.0.0.1:53 with the given rules; server.py on port 8080 of every address.
# Then runs COMMAND (its output and status pass through) and writes the server's request log to
# WORKDIR/requests.json; the DNS answers given are in WORKDIR/dns.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$1
shift
rules=()
while [ "$1" != "--" ]; do rules+=("$1"); shift; done
shift

ip link set lo up
ip addr add 10.55.0.1/32 dev lo
printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:2\n' > "$work/resolv.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf

python3 "$here/rebinding_dns.py" "$work/dns.log" "${rules[@]}" > "$work/dns.ready" &
dns=$!
python3 "$here/server.py" --host 0.0.0.0 --port 8080 > "$work/server.port" &
server=$!
trap 'kill "$dns" "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    [ -s "$work/dns.ready" ] && [ -s "$work/server.port" ] && break
    sleep 0.05
done

status=0
"$@" || status=$?
python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:8080/requests").read().decode())' > "$work/requests.json"
exit "$status"
