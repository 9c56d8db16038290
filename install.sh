#!/bin/sh
# Installs pvpn on Debian 12 / Raspberry Pi OS Bookworm: the build
# dependencies, the Debian package (built here from this tree unless one is
# given), the systemd service and the config dir. Safe to run again: an
# installed package of this version is kept, and nothing that exists is
# overwritten.
# Usage: sudo ./install.sh [--deb FILE] [--rebuild]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
config_dir=/root/.pvpn-cli/pvpn

usage() { echo "usage: sudo ./install.sh [--deb FILE] [--rebuild]"; }
deb=
rebuild=no
while [ $# -gt 0 ]; do
    case $1 in
    --deb) [ $# -ge 2 ] || { usage >&2; exit 2; }; deb=$2; shift 2 ;;
    --rebuild) rebuild=yes; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "install.sh: run it as root: sudo ./install.sh" >&2; exit 1; }

version=$(sed -n '1s/^pvpn (\([^)]*\)).*/\1/p' "$here/debian/changelog")
installed=$(dpkg-query -W -f '${db:Status-Abbrev} ${Version}' pvpn 2>/dev/null || true)

if [ -z "$deb" ] && [ "$rebuild" = no ] && [ "$installed" = "ii  $version" ]; then
    echo "pvpn $version is installed already (--rebuild builds and installs it again)"
else
    if [ -z "$deb" ]; then
        echo "Installing the build dependencies..."
        "$here/scripts/deps" package
        echo "Building the Debian package (a few minutes)..."
        out=$(mktemp -d)
        "$here/scripts/build-deb" "$out"
        deb=$(ls "$out"/pvpn_"$version"_*.deb)
    fi
    case $deb in /* | ./*) ;; *) deb=./$deb ;; esac
    echo "Installing $deb..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 --reinstall "$deb"
fi

# The service's config dir (pvpn init fills it).
if [ ! -d "$config_dir" ]; then
    install -d -m 0700 "$config_dir"
fi

# The package enabled pvpnd.service (alias pvpn.service) and the boot
# kill-switch; with systemd running it started the daemon too.
if [ -d /run/systemd/system ]; then
    systemctl enable --now pvpnd.service >/dev/null
    echo "pvpnd.service is enabled and running (systemctl status pvpnd)."
else
    echo "systemd is not running here: start the daemon by hand with: sudo pvpnd &"
fi
user=${SUDO_USER:-}
echo "Next: sudo pvpn init, then sudo pvpn connect."
if [ -n "$user" ] && [ "$user" != root ] && ! id -nG "$user" | tr ' ' '\n' | grep -qx pvpn; then
    echo "To control pvpn without sudo: sudo usermod -aG pvpn $user (then log in again)."
fi
