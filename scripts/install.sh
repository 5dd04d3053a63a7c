#!/usr/bin/env bash
# Install moodkiosk as a service on Raspberry Pi OS or Debian (bookworm, trixie). Safe to run again:
# it updates what is there and keeps your settings and state.
#
#   sudo scripts/install.sh                       install or update; enable and start the service
#   sudo scripts/install.sh --no-start            install, but do not start the service now
#   sudo scripts/install.sh --uninstall           remove the program and the service; keep
#                                                 /etc/moodkiosk (settings) and /var/lib/moodkiosk (state)
#   sudo scripts/install.sh --uninstall --purge   remove those and the moodkiosk user too
#   sudo scripts/install.sh --display             also show the kiosk's screen (/display) full screen in
#                                                 Chromium when the desktop user logs in (Raspberry Pi OS
#                                                 with its desktop); --uninstall removes it again
#   sudo scripts/install.sh --snapcast            also play the music in every room: snapserver on this
#                                                 machine (its control API on loopback only), the kiosk's
#                                                 music its "moodkiosk" stream; prints the line for a room
#
# Where things go: the program in /opt/moodkiosk (app/ and venv/), settings in
# /etc/moodkiosk/config.toml, state (accounts, favorites, history, music/) in /var/lib/moodkiosk,
# the unit in /etc/systemd/system/moodkiosk.service, and /usr/local/bin/moodkiosk runs the command
# line as the service's user.
set -euo pipefail

PREFIX=/opt/moodkiosk
SERVICE_USER=moodkiosk
STATE_DIR=/var/lib/moodkiosk
CONFIG_DIR=/etc/moodkiosk
UNIT=/etc/systemd/system/moodkiosk.service
COMMAND=/usr/local/bin/moodkiosk
SOURCE="$(cd "$(dirname "$0")/.." && pwd)"

action=install
start=yes
purge=no
display=no
snapcast=no
SNAPCAST_DIR=/var/lib/moodkiosk-snapcast  # the pipe between the kiosk and snapserver (both may write there)
SNAPCAST_ENV=$CONFIG_DIR/snapcast.env
SNAPCAST_DROPIN=/etc/systemd/system/moodkiosk.service.d/snapcast.conf
for argument in "$@"; do
    case "$argument" in
        --uninstall) action=uninstall ;;
        --purge) purge=yes ;;
        --no-start) start=no ;;
        --display) display=yes ;;
        --snapcast) snapcast=yes ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $argument (see --help)" >&2; exit 2 ;;
    esac
done

say() { printf '\033[1mmoodkiosk:\033[0m %s\n' "$*"; }
if [[ $(id -u) -ne 0 ]]; then
    echo "install.sh: run it as root: sudo $0 $*" >&2
    exit 1
fi
systemd_running() { [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; }

uninstall() {
    if systemd_running; then
        systemctl disable --now moodkiosk.service 2>/dev/null || true
    fi
    rm -f "$UNIT" "$COMMAND"
    systemd_running && systemctl daemon-reload
    rm -rf "$PREFIX"
    if [[ $purge == yes ]]; then
        rm -rf "$CONFIG_DIR" "$STATE_DIR"
        id "$SERVICE_USER" >/dev/null 2>&1 && userdel "$SERVICE_USER"
        say "removed moodkiosk, its settings, its state and its user"
    else
        say "removed moodkiosk; kept $CONFIG_DIR and $STATE_DIR (add --purge to remove them too)"
    fi
}

install_packages() {
    # libgles2, libegl1, libgl1: MediaPipe's and OpenCV's wheels load them (a Lite image may lack them).
    local packages=(python3 python3-venv python3-pip mpv libmpv2 libgles2 libegl1 libgl1 ca-certificates)
    # The Pi camera's Python library comes from Raspberry Pi OS's apt, not pip.
    if apt-cache policy python3-picamera2 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        packages+=(python3-picamera2)
    fi
    local missing=()
    for package in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]})); then
        say "installing system packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

create_user() {
    if ! id "$SERVICE_USER" >/dev/null 2>&1; then
        useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
        say "created the system user $SERVICE_USER"
    fi
    # The camera, the sound devices and the display; a group this system lacks is skipped.
    for group in video audio render; do
        if getent group "$group" >/dev/null; then
            usermod -a -G "$group" "$SERVICE_USER"
        fi
    done
}

install_program() {
    say "installing the program into $PREFIX"
    mkdir -p "$PREFIX/app"
    if [[ "$SOURCE" != "$PREFIX/app" ]]; then
        # A copy of this checkout without its own venv, caches and build output (models/ comes along).
        tar -C "$SOURCE" --exclude=./.venv --exclude=./.venv-train --exclude=./.git --exclude=./build \
            --exclude=__pycache__ --exclude=.pytest_cache --exclude=.ruff_cache -cf - . | tar -C "$PREFIX/app" -xf -
    fi
    # --system-site-packages: apt's python3-picamera2 imports in the venv.
    [[ -x $PREFIX/venv/bin/python ]] || python3 -m venv --system-site-packages "$PREFIX/venv"
    local stamp="$PREFIX/venv/.installed" wanted
    wanted="$(sha256sum "$PREFIX/app/pyproject.toml" | cut -d' ' -f1)"
    if [[ ! -f $stamp || "$(cat "$stamp")" != "$wanted" ]]; then
        "$PREFIX/venv/bin/python" -m pip install --quiet --upgrade pip
        "$PREFIX/venv/bin/python" -m pip install --quiet -e "$PREFIX/app"
        echo "$wanted" > "$stamp"
    fi
    "$PREFIX/venv/bin/python" -m pip install --quiet --upgrade yt-dlp \
        || say "could not update yt-dlp (offline?); keeping the one installed"
    "$PREFIX/venv/bin/moodkiosk" models fetch
}

install_settings() {
    install -d -m 0755 "$CONFIG_DIR"
    if [[ -f $CONFIG_DIR/config.toml ]]; then
        say "keeping your $CONFIG_DIR/config.toml"
        "$PREFIX/venv/bin/moodkiosk" config check "$CONFIG_DIR/config.toml" \
            || say "WARNING: $CONFIG_DIR/config.toml has problems (above); the service will not start until they are fixed"
    else
        install -m 0644 "$PREFIX/app/systemd/config.example.toml" "$CONFIG_DIR/config.toml"
        say "wrote $CONFIG_DIR/config.toml (every setting explained, commented out)"
    fi
    install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0750 "$STATE_DIR"
    install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0755 "$STATE_DIR/music"
    cat > "$COMMAND" <<EOF
#!/bin/sh
# The moodkiosk command line, run as the service's user so its files stay the service's.
if [ -f $CONFIG_DIR/snapcast.env ]; then set -a; . $CONFIG_DIR/snapcast.env; set +a; fi  # install.sh --snapcast
if [ "\$(id -u)" -eq 0 ]; then
    exec setpriv --reuid=$SERVICE_USER --regid=$SERVICE_USER --init-groups env HOME=$STATE_DIR $PREFIX/venv/bin/moodkiosk "\$@"
fi
exec $PREFIX/venv/bin/moodkiosk "\$@"
EOF
    chmod 0755 "$COMMAND"
}

install_service() {
    sed "s|/opt/moodkiosk/venv/bin/moodkiosk|$PREFIX/venv/bin/moodkiosk|" "$PREFIX/app/systemd/moodkiosk.service" > "$UNIT"
    chmod 0644 "$UNIT"
    if ! systemd_running; then
        say "systemd is not running here (a container or chroot?): installed $UNIT but did not enable or start it"
        return
    fi
    systemctl daemon-reload
    systemctl enable moodkiosk.service >/dev/null
    if [[ $start == yes ]]; then
        systemctl restart moodkiosk.service
        say "service started: systemctl status moodkiosk; journalctl -u moodkiosk -f"
    else
        say "service enabled (starts at boot); start it now with: sudo systemctl start moodkiosk"
    fi
}

# The desktop user: the one who logs in on the screen (SUDO_USER, else the first ordinary account).
desktop_user() {
    if [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then echo "$SUDO_USER"; return; fi
    getent passwd | awk -F: '$3 >= 1000 && $3 < 60000 {print $1; exit}'
}

install_display() {
    local user home port browser
    user="$(desktop_user)"
    if [[ -z $user ]]; then
        say "no desktop user found: --display skipped (log in on the screen once, then run it again)"
        return
    fi
    home="$(getent passwd "$user" | cut -d: -f6)"
    port="$("$COMMAND" config show 2>/dev/null | "$PREFIX/venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["web"]["port"])' || echo 8080)"
    command -v chromium >/dev/null || command -v chromium-browser >/dev/null || apt-get install -y -qq chromium >/dev/null
    # The screen speaks Hindi when the household chooses it: a Devanagari font, if the desktop has none.
    if ! { command -v fc-list >/dev/null && fc-list :lang=hi | grep -q .; }; then
        apt-get install -y -qq --no-install-recommends fonts-lohit-deva >/dev/null || say "no Devanagari font installed: Hindi shows as boxes on the screen"
    fi
    browser="$(command -v chromium || command -v chromium-browser)"
    install -d -o "$user" -g "$user" "$home/.config/autostart"
    # XDG autostart: read by Raspberry Pi OS's desktops (labwc and wayfire) and most others.
    printf '%s\n' "[Desktop Entry]" "Type=Application" "Name=moodkiosk display" \
        "Comment=The kiosk's own screen (moodkiosk's install.sh --display)" \
        "Exec=$browser --kiosk --noerrdialogs --disable-infobars --no-first-run --password-store=basic --incognito http://127.0.0.1:$port/display" \
        > "$home/.config/autostart/moodkiosk-display.desktop"
    chown "$user:" "$home/.config/autostart/moodkiosk-display.desktop"
    say "display: Chromium shows http://127.0.0.1:$port/display full screen when $user logs in on the screen"
}

uninstall_display() {
    local file
    for file in /home/*/.config/autostart/moodkiosk-display.desktop /root/.config/autostart/moodkiosk-display.desktop; do
        if [[ -f $file ]]; then rm -f "$file"; say "removed the display autostart $file"; fi
    done
    return 0
}

install_snapcast() {
    apt-get install -y -qq snapserver >/dev/null
    # The pipe: made here (snapserver reads it, the kiosk writes it), outside both services' private places.
    install -d -o "$SERVICE_USER" -g _snapserver -m 2770 "$SNAPCAST_DIR"
    [[ -p $SNAPCAST_DIR/snapfifo ]] || mkfifo -m 0660 "$SNAPCAST_DIR/snapfifo"
    chown "$SERVICE_USER:_snapserver" "$SNAPCAST_DIR/snapfifo"
    if [[ -f /etc/snapserver.conf && ! -f /etc/snapserver.conf.before-moodkiosk ]]; then
        cp /etc/snapserver.conf /etc/snapserver.conf.before-moodkiosk
    fi
    printf '%s\n' \
        "# Written by moodkiosk's install.sh --snapcast (the one before: /etc/snapserver.conf.before-moodkiosk)." \
        "# The kiosk's music is the \"moodkiosk\" stream; \"quiet\" is for rooms that do not follow the kiosk." \
        "# The control API answers on this machine only: the kiosk's page and Home Assistant steer the rooms." \
        "[server]" "[http]" "enabled = false" "[tcp]" "bind_to_address = 127.0.0.1" "port = 1705" "[stream]" \
        "source = pipe://$SNAPCAST_DIR/snapfifo?name=moodkiosk&sampleformat=48000:16:2&mode=read" \
        "source = pipe://$SNAPCAST_DIR/quiet?name=quiet&mode=create" "[logging]" > /etc/snapserver.conf
    printf '%s\n' "# Written by install.sh --snapcast: the kiosk's music goes to snapserver (every room)" \
        "MOODKIOSK_PLAYER__OUTPUT=snapcast" "MOODKIOSK_SNAPCAST__FIFO=$SNAPCAST_DIR/snapfifo" \
        "MOODKIOSK_SNAPCAST__STREAM=moodkiosk" > "$SNAPCAST_ENV"
    install -d "$(dirname "$SNAPCAST_DROPIN")"
    printf '%s\n' "[Service]" "EnvironmentFile=$SNAPCAST_ENV" "ReadWritePaths=$SNAPCAST_DIR" > "$SNAPCAST_DROPIN"
    if systemd_running; then
        systemctl daemon-reload
        systemctl enable snapserver.service >/dev/null 2>&1 || true
        systemctl restart snapserver.service
        if [[ $start == yes ]]; then systemctl restart moodkiosk.service; fi
    fi
    local address
    address="$( (hostname -I 2>/dev/null || true) | awk '{print $1}')"
    say "snapcast: snapserver plays the kiosk's music; in each room (a Pi with a speaker) run:"
    echo "  sudo apt install -y snapclient && echo 'SNAPCLIENT_OPTS=\"--host ${address:-<this machine>}\"' | sudo tee /etc/default/snapclient && sudo systemctl restart snapclient"
}

uninstall_snapcast() {
    rm -f "$SNAPCAST_DROPIN" "$SNAPCAST_ENV"
    rmdir "$(dirname "$SNAPCAST_DROPIN")" 2>/dev/null || true
    if [[ -f /etc/snapserver.conf.before-moodkiosk ]]; then
        mv /etc/snapserver.conf.before-moodkiosk /etc/snapserver.conf
        say "snapserver's settings are back as they were (snapserver itself stays installed)"
    fi
    rm -rf "$SNAPCAST_DIR"
}

summary() {
    local port address
    port="$("$COMMAND" config show 2>/dev/null | "$PREFIX/venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["web"]["port"])' || echo 8080)"
    address="$( (hostname -I 2>/dev/null || true) | awk '{print $1}')"
    cat <<EOF

moodkiosk is installed.
  web page:        http://${address:-<this machine>}:$port/
  first admin:     sudo moodkiosk user add NAME --admin
  music:           put folders named happy/, sad/, neutral/, ... into $STATE_DIR/music
                   (or map moods to YouTube: see $PREFIX/app/docs/music.md)
  settings:        $CONFIG_DIR/config.toml, then: sudo systemctl restart moodkiosk
  check it:        sudo moodkiosk doctor
  uninstall:       sudo $PREFIX/app/scripts/install.sh --uninstall
EOF
}

if [[ $action == uninstall ]]; then
    uninstall
    uninstall_display
    uninstall_snapcast
    exit 0
fi
install_packages
create_user
install_program
install_settings
install_service
if [[ $display == yes ]]; then install_display; fi
if [[ $snapcast == yes ]]; then install_snapcast; fi
summary
