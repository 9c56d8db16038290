#!/bin/sh
# The job done by hand, as users script it today instead of pvpn: wg-quick up a WireGuard config
# (wireguard-go backend), ask the server's NAT-PMP gateway for a UDP and a TCP port, then tell
# qBittorrent the port through its WebUI. Runs inside the client's namespace; prints the port.
# Usage: hand_job.sh CONF GATEWAY QB_URL QB_USER QB_PASS COOKIE_JAR
set -eu
conf=$1 gateway=$2 qb=$3 user=$4 pass=$5 jar=$6
WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick up "$conf" >/dev/null 2>&1
port=$(natpmpc -g "$gateway" -a 1 0 udp 60 | sed -n 's/^Mapped public port \([0-9]*\) .*/\1/p')
natpmpc -g "$gateway" -a 1 0 tcp 60 >/dev/null
curl -s -m 5 -c "$jar" --data-urlencode "username=$user" --data-urlencode "password=$pass" \
    "$qb/api/v2/auth/login" >/dev/null
curl -s -m 5 -b "$jar" --data-urlencode "json={\"listen_port\":$port}" "$qb/api/v2/app/setPreferences"
echo "$port"
