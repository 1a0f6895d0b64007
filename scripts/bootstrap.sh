#!/usr/bin/env bash
# Bring everything `make demo` and `make test` need, or say in one line what is missing and how to
# do it by hand. Used by `make setup` (and so by `make demo`, `make test`, `make bench`, `.ci/run`).
#
# Steps, each skipped when its work is already done (the whole script then takes about a second):
#   1. system packages   Debian/Ubuntu packages: Chromium (tours), wkhtmltopdf (PDF reports), the
#                        headers Odoo's Python requirements build against, git, PostgreSQL
#   2. PostgreSQL        started when it is local and down; the role DB_USER created when missing
#   3. Odoo source       a shallow clone of ODOO_REPO at ODOO_REF into ODOO_SRC (Odoo's own files only)
#   4. Odoo virtualenv   ODOO_PYTHON's virtualenv with Odoo's requirements.txt
#   5. requirements      this repository's requirements.txt and requirements-dev.txt
#   6. OCA add-ons       requirements-oca.txt, with --no-deps (their wheels require odoo==19.0.*, which a
#                        source checkout does not register with pip; their add-on dependencies are listed)
# A step that fails leaves nothing half-installed: the Odoo source and a virtualenv this script
# created are built aside or removed again.
#
# Usage: scripts/bootstrap.sh [--check]   (--check only reports, installs nothing)
# Environment: ODOO_SRC, ODOO_PYTHON, ODOO_REPO, ODOO_REF, DB_HOST, DB_PORT, DB_USER (see Makefile).
set -uo pipefail

ODOO_SRC="${ODOO_SRC:-/opt/odoo19}"
ODOO_SRC="${ODOO_SRC%/}"
ODOO_PYTHON="${ODOO_PYTHON:-/opt/odoo-venv/bin/python}"
ODOO_REPO="${ODOO_REPO:-https://github.com/odoo/odoo.git}"
ODOO_REF="${ODOO_REF:-19.0}"
DB_HOST="${DB_HOST:-127.0.0.1}"
DB_PORT="${DB_PORT:-5432}"
DB_USER="${DB_USER:-$(whoami)}"
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CHECK_ONLY=0
[ "${1:-}" = "--check" ] && CHECK_ONLY=1

# Odoo's own top-level files: whatever else a fork or a mirror carries is left out.
ODOO_ENTRIES=(odoo-bin odoo addons requirements.txt setup.py setup.cfg setup MANIFEST.in LICENSE COPYRIGHT README.md)
SYSTEM_PACKAGES=(git python3-venv python3-dev build-essential libpq-dev libldap2-dev libsasl2-dev libxml2-dev
                 libxslt1-dev libjpeg-dev postgresql chromium wkhtmltopdf)
VENV="$(dirname "$(dirname "$ODOO_PYTHON")")"
started=$(date +%s)

say() { echo "setup: $*"; }
# One clear line: which step, why, and how to do it by hand; then stop.
fail() {
    local step="$1" why="$2" how="$3"
    echo "setup: step '$step' cannot be done: $why. By hand: $how" >&2
    exit 2
}
is_root() { [ "$(id -u)" = 0 ]; }
is_local_db() { case "$DB_HOST" in 127.0.0.1|localhost|::1|'') return 0 ;; *) return 1 ;; esac; }

# --- 1. system packages -------------------------------------------------------------------
missing_packages() {
    local pkg
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        # A reachable PostgreSQL elsewhere needs no local server.
        if [ "$pkg" = postgresql ] && pg_isready -q -h "$DB_HOST" -p "$DB_PORT" 2>/dev/null; then
            continue
        fi
        # Any Chrome Odoo's test runner finds will do.
        if [ "$pkg" = chromium ] && { command -v chromium || command -v chromium-browser || command -v google-chrome; } >/dev/null; then
            continue
        fi
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || echo "$pkg"
    done
}

step_system_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        # Not Debian/Ubuntu: only check the commands the tests call.
        local cmd
        for cmd in git chromium wkhtmltopdf pg_isready; do
            command -v "$cmd" >/dev/null 2>&1 || command -v "${cmd}-browser" >/dev/null 2>&1 \
                || fail "system packages" "'$cmd' is not installed and this is not Debian/Ubuntu" \
                        "install $cmd with your system's package manager"
        done
        return
    fi
    local missing
    mapfile -t missing < <(missing_packages)
    [ "${#missing[@]}" -eq 0 ] && return
    [ "$CHECK_ONLY" = 1 ] && fail "system packages" "missing ${missing[*]}" "sudo apt-get install -y ${missing[*]}"
    is_root || fail "system packages" "missing ${missing[*]} and not root" "sudo apt-get install -y ${missing[*]}"
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
        fail "system packages" "apt-get could not install ${missing[*]} (no network?)" \
             "apt-get update && apt-get install -y ${missing[*]}"
    fi
}

# --- 2. PostgreSQL ------------------------------------------------------------------------
step_postgresql() {
    if ! pg_isready -q -h "$DB_HOST" -p "$DB_PORT" 2>/dev/null; then
        is_local_db || fail "PostgreSQL" "nothing answers on $DB_HOST:$DB_PORT" "start that server or set DB_HOST/DB_PORT"
        local version
        version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
        [ -n "$version" ] || fail "PostgreSQL" "no local cluster" "apt-get install -y postgresql"
        [ "$CHECK_ONLY" = 0 ] && is_root \
            || fail "PostgreSQL" "the local server is down" "pg_ctlcluster $version main start"
        say "starting PostgreSQL $version"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
        local _
        for _ in $(seq 1 30); do pg_isready -q -h "$DB_HOST" -p "$DB_PORT" && break; sleep 1; done
        pg_isready -q -h "$DB_HOST" -p "$DB_PORT" \
            || fail "PostgreSQL" "the server did not start" "pg_ctlcluster $version main start; see its log in /var/log/postgresql"
    fi
    local error
    error="$(psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -Atqc 'SELECT 1' 2>&1 >/dev/null)" && return
    if echo "$error" | grep -q "role \"$DB_USER\" does not exist" && is_local_db && is_root && [ "$CHECK_ONLY" = 0 ]; then
        say "creating the PostgreSQL role $DB_USER"
        runuser -u postgres -- createuser -s "$DB_USER" \
            || fail "PostgreSQL" "could not create the role $DB_USER" "sudo -u postgres createuser -s $DB_USER"
        error="$(psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -Atqc 'SELECT 1' 2>&1 >/dev/null)" && return
    fi
    fail "PostgreSQL" "role $DB_USER cannot connect to $DB_HOST:$DB_PORT ($(echo "$error" | head -n 1))" \
         "sudo -u postgres createuser -s $DB_USER, and allow it in pg_hba.conf (or set DB_USER/PGPASSWORD)"
}

# --- 3. Odoo source -----------------------------------------------------------------------
odoo_version_ok() { grep -q "version_info = (19, 0" "$1/odoo/release.py" 2>/dev/null; }

step_odoo_source() {
    if [ -f "$ODOO_SRC/odoo-bin" ]; then
        odoo_version_ok "$ODOO_SRC" && return
        fail "Odoo source" "$ODOO_SRC holds another Odoo version than 19.0" \
             "remove it or pass ODOO_SRC=/another/path (and ODOO_PYTHON) to make"
    fi
    if [ -d "$ODOO_SRC" ] && [ -n "$(ls -A "$ODOO_SRC")" ]; then
        fail "Odoo source" "$ODOO_SRC exists, is not empty and has no odoo-bin" "empty it or pass ODOO_SRC=/another/path"
    fi
    [ "$CHECK_ONLY" = 1 ] && fail "Odoo source" "no Odoo at $ODOO_SRC" "make setup (or git clone --depth 1 --branch $ODOO_REF $ODOO_REPO $ODOO_SRC)"
    local url="$ODOO_REPO" parent work
    # A local clone or mirror: file:// so that --depth applies.
    [ -d "$url" ] && url="file://$(cd "$url" && pwd)"
    parent="$(dirname "$ODOO_SRC")"
    mkdir -p "$parent" || fail "Odoo source" "cannot create $parent" "mkdir -p $parent, or pass ODOO_SRC=/a/writable/path"
    # Built aside, moved into place only when complete.
    work="$(mktemp -d "$parent/.odoo19-bootstrap.XXXXXX")" || fail "Odoo source" "cannot write in $parent" "pass ODOO_SRC=/a/writable/path"
    trap 'rm -rf "$work"' EXIT
    say "cloning Odoo $ODOO_REF from $ODOO_REPO into $ODOO_SRC"
    if ! git clone -q --depth 1 --branch "$ODOO_REF" "$url" "$work/clone" 2>"$work/git.log"; then
        if grep -q "not found in upstream" "$work/git.log" && [ "$ODOO_REF" = 19.0 ]; then
            # A mirror whose default branch is the 19.0 snapshot (checked below).
            git clone -q --depth 1 "$url" "$work/clone" 2>"$work/git.log" \
                || fail "Odoo source" "git clone of $ODOO_REPO failed ($(tail -n 1 "$work/git.log"))" \
                        "git clone --depth 1 --branch 19.0 $ODOO_REPO $ODOO_SRC"
        else
            fail "Odoo source" "git clone of $ODOO_REPO failed ($(tail -n 1 "$work/git.log"))" \
                 "git clone --depth 1 --branch 19.0 $ODOO_REPO $ODOO_SRC, or set ODOO_REPO to a local clone"
        fi
    fi
    odoo_version_ok "$work/clone" \
        || fail "Odoo source" "$ODOO_REPO at $ODOO_REF is not Odoo 19.0" "set ODOO_REPO/ODOO_REF to Odoo 19.0"
    local entries=() entry
    for entry in "${ODOO_ENTRIES[@]}"; do
        [ -e "$work/clone/$entry" ] && entries+=("$entry")
    done
    mkdir "$work/src" && git -C "$work/clone" archive HEAD -- "${entries[@]}" | tar -x -C "$work/src" \
        || fail "Odoo source" "could not extract the clone" "git clone --depth 1 --branch 19.0 $ODOO_REPO $ODOO_SRC"
    mkdir -p "$work/src/addons"
    [ -d "$ODOO_SRC" ] && rmdir "$ODOO_SRC"
    mv "$work/src" "$ODOO_SRC" || fail "Odoo source" "could not move it to $ODOO_SRC" "check the permissions of $parent"
    rm -rf "$work"
    trap - EXIT
}

# --- 4. Odoo virtualenv -------------------------------------------------------------------
stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

pip_install() {
    # pip's own output is kept in a log; one line says what failed.
    local log="$1"; shift
    "$ODOO_PYTHON" -m pip install --quiet --disable-pip-version-check "$@" >"$log" 2>&1
}

step_odoo_virtualenv() {
    local stamp="$VENV/.odoo-requirements.sha256" wanted created=0 log
    wanted="$(stamp_of "$ODOO_SRC/requirements.txt")"
    if [ -x "$ODOO_PYTHON" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
        return
    fi
    [ "$CHECK_ONLY" = 1 ] && fail "Odoo virtualenv" "$ODOO_PYTHON lacks Odoo's requirements" \
        "python3 -m venv $VENV && $VENV/bin/pip install -r $ODOO_SRC/requirements.txt"
    if [ ! -x "$ODOO_PYTHON" ]; then
        if [ -d "$VENV" ] && [ -n "$(ls -A "$VENV")" ]; then
            fail "Odoo virtualenv" "$VENV exists, is not empty and has no $ODOO_PYTHON" "empty it or pass ODOO_PYTHON=/another/venv/bin/python"
        fi
        say "creating the virtualenv $VENV"
        python3 -m venv "$VENV" || { rm -rf "${VENV:?}"/*; fail "Odoo virtualenv" "python3 -m venv failed" \
            "apt-get install -y python3-venv && python3 -m venv $VENV"; }
        created=1
    fi
    say "installing Odoo's requirements into $VENV (a few minutes the first time)"
    log="$(mktemp)"
    if ! pip_install "$log" -r "$ODOO_SRC/requirements.txt"; then
        local last
        last="$(grep -E '^ERROR|error:' "$log" | tail -n 1)"
        [ "$created" = 1 ] && rm -rf "${VENV:?}"/* "$VENV"/.[!.]* 2>/dev/null
        fail "Odoo virtualenv" "pip could not install $ODOO_SRC/requirements.txt (${last:-see $log}; no network?)" \
             "python3 -m venv $VENV && $VENV/bin/pip install -r $ODOO_SRC/requirements.txt"
    fi
    rm -f "$log"
    echo "$wanted" >"$stamp"
}

# --- 5. this repository's requirements ------------------------------------------------------
step_requirements() {
    local stamp="$VENV/.cobranza-requirements.sha256" wanted log
    wanted="$(stamp_of "$REPO_ROOT/requirements.txt" "$REPO_ROOT/requirements-dev.txt")"
    [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ] && return
    [ "$CHECK_ONLY" = 1 ] && fail "requirements" "$ODOO_PYTHON lacks this module's requirements" \
        "$ODOO_PYTHON -m pip install -r requirements.txt -r requirements-dev.txt"
    say "installing requirements.txt and requirements-dev.txt"
    log="$(mktemp)"
    pip_install "$log" -r "$REPO_ROOT/requirements.txt" -r "$REPO_ROOT/requirements-dev.txt" \
        || fail "requirements" "pip could not install them ($(grep -E '^ERROR' "$log" | tail -n 1); no network?)" \
                "$ODOO_PYTHON -m pip install -r requirements.txt -r requirements-dev.txt"
    rm -f "$log"
    echo "$wanted" >"$stamp"
}

# --- 6. OCA add-ons ------------------------------------------------------------------------
step_oca_addons() {
    local stamp="$VENV/.cobranza-oca.sha256" wanted log
    wanted="$(stamp_of "$REPO_ROOT/requirements-oca.txt")"
    [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ] && return
    [ "$CHECK_ONLY" = 1 ] && fail "OCA add-ons" "$ODOO_PYTHON lacks the OCA add-ons of requirements-oca.txt" \
        "$ODOO_PYTHON -m pip install --no-deps -r requirements-oca.txt"
    say "installing the OCA add-ons of requirements-oca.txt"
    log="$(mktemp)"
    pip_install "$log" --no-deps -r "$REPO_ROOT/requirements-oca.txt" \
        || fail "OCA add-ons" "pip could not install them ($(grep -E '^ERROR' "$log" | tail -n 1); no network?)" \
                "$ODOO_PYTHON -m pip install --no-deps -r requirements-oca.txt"
    rm -f "$log"
    echo "$wanted" >"$stamp"
}

step_system_packages
step_postgresql
step_odoo_source
step_odoo_virtualenv
step_requirements
step_oca_addons
say "OK: Odoo 19.0 at $ODOO_SRC, Python $ODOO_PYTHON, PostgreSQL on $DB_HOST:$DB_PORT as $DB_USER ($(( $(date +%s) - started )) s)"
