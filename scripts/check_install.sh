#!/usr/bin/env bash
# Prove scripts/install.sh on a fresh Debian bookworm without a container: debootstrap a root, run
# the installer in it twice (it must be idempotent; there is no systemd in a chroot, so the service
# step is skipped), check what it installed, then uninstall. Needs root and the Debian and PyPI mirrors.
#   sudo scripts/check_install.sh [ROOT]     (default: a new folder under /var/tmp, removed at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCE="$(pwd)"
ROOT=${1:-$(mktemp -d /var/tmp/moodkiosk-bookworm.XXXXXX)}
chmod 0755 "$ROOT"  # mktemp makes it 0700: the service user could not even reach /lib
KEEP_ROOT=${1:+yes}
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if ! command -v debootstrap >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
fi
if [[ ! -x $ROOT/usr/bin/apt-get ]]; then
    say "debootstrap bookworm into $ROOT"
    debootstrap --variant=minbase bookworm "$ROOT" http://deb.debian.org/debian >/dev/null
fi

mounts=(proc sys dev)
cleanup() {
    for mount in dev/pts "${mounts[@]}"; do umount -l "$ROOT/$mount" 2>/dev/null || true; done
    [[ -n $KEEP_ROOT ]] || rm -rf "$ROOT"
}
trap cleanup EXIT
mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys"
mount --rbind /dev "$ROOT/dev"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# A network that inspects TLS needs its CA in the new system too (install.sh's ca-certificates adds it).
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$ROOT/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
fi

say "copy this checkout to /root/moodkiosk in the new system"
rm -rf "$ROOT/root/moodkiosk" && mkdir -p "$ROOT/root/moodkiosk"
tar -C "$SOURCE" --exclude=./.venv --exclude=./.venv-train --exclude=./.git --exclude=./build \
    --exclude=__pycache__ --exclude=.pytest_cache --exclude=.ruff_cache -cf - . | tar -C "$ROOT/root/moodkiosk" -xf -

# A clean environment, as on a fresh machine (nothing of this machine's pip or Python settings).
in_root() { chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 "$@"; }

say "install.sh, first run"
in_root bash /root/moodkiosk/scripts/install.sh
say "install.sh, second run (idempotent)"
in_root bash /root/moodkiosk/scripts/install.sh

say "install.sh --snapcast (multi-room)"
in_root bash /root/moodkiosk/scripts/install.sh --snapcast
test -p "$ROOT/var/lib/moodkiosk-snapcast/snapfifo"
grep -q "^bind_to_address = 127.0.0.1" "$ROOT/etc/snapserver.conf"  # the control API stays on the kiosk
grep -q "^enabled = false" "$ROOT/etc/snapserver.conf"
grep -q "ReadWritePaths=/var/lib/moodkiosk-snapcast" "$ROOT/etc/systemd/system/moodkiosk.service.d/snapcast.conf"
in_root moodkiosk config show | in_root /opt/moodkiosk/venv/bin/python -c '
import json, sys
settings = json.load(sys.stdin)
assert settings["player"]["output"] == "snapcast" and settings["snapcast"]["stream"] == "moodkiosk", settings["snapcast"]
print("snapcast: the kiosk plays into snapserver")'

say "check the result"
test -f "$ROOT/etc/systemd/system/moodkiosk.service"
test -f "$ROOT/etc/moodkiosk/config.toml"
in_root id moodkiosk
in_root stat -c '%U %a %n' /var/lib/moodkiosk
in_root moodkiosk config check /etc/moodkiosk/config.toml
in_root moodkiosk models verify
echo "a long enough password" | in_root moodkiosk user add admin --admin --password-stdin
in_root moodkiosk user list
in_root stat -c '%U %n' /var/lib/moodkiosk/moodkiosk.db  # the command line ran as the service's user
in_root moodkiosk doctor --offline || true  # no camera or sound card in a chroot: warnings, shown for the record
in_root moodkiosk doctor --offline --json | in_root /opt/moodkiosk/venv/bin/python -c '
import json, sys
checks = {c["name"]: c["status"] for c in json.load(sys.stdin)["checks"]}
broken = {name: status for name, status in checks.items() if status == "fail"}
assert not broken, broken
print("doctor: no failures")'

say "uninstall (keeps the settings and the state)"
in_root bash /opt/moodkiosk/app/scripts/install.sh --uninstall
test ! -e "$ROOT/opt/moodkiosk" && test ! -e "$ROOT/etc/systemd/system/moodkiosk.service"
test -f "$ROOT/var/lib/moodkiosk/moodkiosk.db" && test -f "$ROOT/etc/moodkiosk/config.toml"
test ! -e "$ROOT/etc/moodkiosk/snapcast.env" && test ! -e "$ROOT/var/lib/moodkiosk-snapcast"
! grep -q moodkiosk "$ROOT/etc/snapserver.conf"  # snapserver's own settings are back
say "install.sh works on a fresh Debian bookworm"
