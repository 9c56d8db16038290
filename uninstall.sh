#!/bin/sh
# Removes pvpn: stops the service, disconnects with the kill-switch off,
# restores DNS and the firewall as they were, removes the package, asks
# before deleting the config, then checks that the network works.
# Safe to run again.
# Usage: sudo ./uninstall.sh [--purge | --keep-config]
#   --purge        delete the config (/root/.pvpn-cli/pvpn) without asking
#   --keep-config  keep it without asking (also the answer when there is no terminal)
set -eu
config_dir=/root/.pvpn-cli/pvpn
usage() { echo "usage: sudo ./uninstall.sh [--purge | --keep-config]"; }
config=ask
case ${1:-} in
"") ;;
--purge) config=delete ;;
--keep-config) config=keep ;;
-h | --help) usage; exit 0 ;;
*) usage >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "uninstall.sh: run it as root: sudo ./uninstall.sh" >&2; exit 1; }

# 1. The service: stopping it disconnects (the kill-switch, if on, stays).
if [ -d /run/systemd/system ]; then
    for unit in pvpnd.service pvpnd-killswitch.service; do
        if systemctl list-unit-files "$unit" >/dev/null 2>&1; then
            systemctl disable --now "$unit" >/dev/null 2>&1 || true
        fi
    done
fi
# 2. A daemon still answering (started by hand): disconnect, kill-switch off.
if [ -S /run/pvpn.sock ] && command -v pvpn >/dev/null 2>&1; then
    timeout 150 pvpn disconnect --ks false >/dev/null 2>&1 || true
fi
# 3. Whatever is left (a tunnel, pvpn's DNS change, the kill-switch).
if command -v pvpnd >/dev/null 2>&1; then
    pvpnd --cleanup --config-dir "$config_dir" || true
fi
# 4. The package (its removal runs the same steps again and deletes group pvpn).
if dpkg-query -W -f '${db:Status-Abbrev}' pvpn 2>/dev/null | grep -q '^[ir]i'; then
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -q -o DPkg::Lock::Timeout=300 pvpn
fi
# 5. The config: asked, unless told.
if [ "$config" = ask ]; then
    config=keep
    if [ -e "$config_dir" ] && [ -t 0 ]; then
        printf 'Delete the pvpn config in %s (account, session, logs)? [y/N] ' "$config_dir"
        read -r answer || answer=
        case $answer in [yY]*) config=delete ;; esac
    fi
fi
if [ "$config" = delete ]; then
    if dpkg-query -W -f '${db:Status-Abbrev}' pvpn 2>/dev/null | grep -q '^rc'; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=300 pvpn
    fi
    rm -rf "$config_dir"
    rmdir /root/.pvpn-cli 2>/dev/null || true
elif [ -e "$config_dir" ]; then
    echo "Kept the config in $config_dir (delete it with: sudo ./uninstall.sh --purge)."
fi

# 6. Nothing of pvpn's may be left in force, and the network must work.
problems=0
if command -v nft >/dev/null 2>&1 && nft list table inet pvpn >/dev/null 2>&1; then
    echo "uninstall.sh: the kill-switch (nftables table inet pvpn) is still there" >&2
    problems=1
fi
if ip -o link show 2>/dev/null | grep -q ': wgp[a-z]*[:@]'; then
    echo "uninstall.sh: a pvpn tunnel interface (wgp*) is still there" >&2
    problems=1
fi
if [ -e /etc/resolv.conf.pvpnbak ]; then
    echo "uninstall.sh: /etc/resolv.conf.pvpnbak is still there: pvpn's DNS was not restored" >&2
    problems=1
fi
if ip route get 192.0.2.1 >/dev/null 2>&1 && getent ahosts deb.debian.org >/dev/null 2>&1; then
    echo "Network check: a default route exists and names resolve."
else
    echo "uninstall.sh: network check failed: no route out or names do not resolve" \
        "(check /etc/resolv.conf and 'ip route')" >&2
fi
[ "$problems" = 0 ] && echo "pvpn is uninstalled."
exit "$problems"
