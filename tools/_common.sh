# Shared by tools/test.sh and tools/demo.sh: find Odoo, start PostgreSQL, write
# an Odoo configuration. This installs nothing of Odoo: Odoo 18 must already be
# importable by python3 (pip, Debian package or a source checkout on sys.path).

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"

log() { printf '[crm_loyalty] %s\n' "$*"; }

# Prints why Odoo 18 cannot be used, or nothing when it can.
odoo_missing_reason() {
    "$PYTHON" - <<'PY' 2>&1
try:
    import odoo.release
except Exception as error:  # noqa: BLE001
    print(f"python3 cannot import odoo ({type(error).__name__}: {error})")
else:
    if odoo.release.version_info[0] != 18:
        print(f"found Odoo {odoo.release.version}, this addon needs Odoo 18")
PY
}

# Python packages this project needs beyond Odoo (from PyPI).
ensure_python_deps() {
    if ! "$PYTHON" -c "import pandas, numpy, scipy, xlsxwriter, hypothesis, freezegun" >/dev/null 2>&1 \
        || ! "$PYTHON" -c "import importlib.util as u, sys; sys.exit(u.find_spec('pytest_odoo') is None)" >/dev/null 2>&1; then
        log "installing Python requirements (requirements.txt, requirements-test.txt)"
        "$PYTHON" -m pip install -q -r "$REPO_DIR/requirements.txt" -r "$REPO_DIR/requirements-test.txt"
    fi
}

# A headless Chromium and websocket-client for the browser tours (Odoo's HttpCase drives Chrome through its
# DevTools protocol). Installs Debian's chromium when it is missing and apt-get can (root); returns 1 when
# the tours cannot run, with the reason logged.
ensure_browser() {
    if ! "$PYTHON" -c "import websocket" >/dev/null 2>&1; then
        log "installing websocket-client (the browser tours drive Chromium with it)"
        "$PYTHON" -m pip install -q websocket-client || return 1
    fi
    local browser
    for browser in chromium chromium-browser google-chrome google-chrome-stable; do
        command -v "$browser" >/dev/null 2>&1 && return 0
    done
    apt_install chromium "the browser tours" && return 0
    log "no Chromium or Chrome found (install Debian's chromium package)"
    return 1
}

# wkhtmltopdf for the PDF reports (the printed pre-visit brief): Odoo renders HTML only without it. Installs
# Debian's package when it is missing and apt-get can (root); returns 1 when the PDFs cannot be printed.
ensure_wkhtmltopdf() {
    command -v wkhtmltopdf >/dev/null 2>&1 && return 0
    apt_install wkhtmltopdf "the PDF reports" && return 0
    log "no wkhtmltopdf found (install Debian's wkhtmltopdf package): reports print as HTML only"
    return 1
}

# Install Debian's package $1 (command of the same name) for $2, when running as root with apt-get (updating
# the package lists once if the first try fails); returns 1 when it could not.
apt_install() {
    local package="$1" purpose="$2"
    [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 || return 1
    log "installing Debian's $package for $purpose"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 \
             && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" >/dev/null 2>&1; } || return 1
    command -v "$package" >/dev/null 2>&1
}

# OCA addons of the optional bridges (pip install --no-deps: their "odoo"
# requirement cannot resolve from PyPI).
ensure_oca_addons() {
    if ! "$PYTHON" -c "import importlib.util as u, sys; sys.exit(not all(u.find_spec('odoo.addons.' + m) for m in ('helpdesk_mgmt', 'helpdesk_mgmt_rating')))" >/dev/null 2>&1; then
        log "installing OCA addons (requirements-oca.txt, --no-deps)"
        "$PYTHON" -m pip install -q --no-deps -r "$REPO_DIR/requirements-oca.txt"
    fi
}

# Start the local PostgreSQL cluster when it is not answering.
ensure_postgres() {
    if pg_isready -q 2>/dev/null; then
        return 0
    fi
    local version
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$version" ]; then
        log "PostgreSQL is not answering and no local cluster was found under /etc/postgresql"
        return 1
    fi
    log "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
        || pg_ctlcluster "$version" main start
    for _ in $(seq 1 30); do
        pg_isready -q && return 0
        sleep 1
    done
    log "PostgreSQL did not start"
    return 1
}

# Write an Odoo configuration file to $1 for the addons of directory $2 (default: this checkout).
write_odoo_conf() {
    local conf="$1" own_addons="${2:-$REPO_DIR}" addons
    addons="$("$PYTHON" - "$own_addons" <<'PY'
import os, sys
import odoo
paths = [sys.argv[1]]
# a source checkout keeps the standard addons beside the odoo package
source_addons = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")
if os.path.isdir(os.path.join(source_addons, "account")):
    paths.append(source_addons)
paths += [p for p in os.environ.get("ODOO_ADDONS_PATH", "").split(",") if p]
print(",".join(paths))
PY
)"
    cat > "$conf" <<CONF
[options]
addons_path = $addons
db_host = ${PGHOST:-False}
db_port = ${PGPORT:-False}
db_user = ${PGUSER:-$(id -un)}
db_password = ${PGPASSWORD:-False}
data_dir = ${ODOO_DATA_DIR:-$REPO_DIR/.odoo-data}
list_db = True
CONF
}

# Install modules $5 (default crm_loyalty) into database $2 with config $1;
# $3 = "demo" or "nodemo"; the database is created fresh unless $6 = "keep".
create_database() {
    local conf="$1" db="$2" demo="$3" logfile="$4" modules="${5:-crm_loyalty}" keep="${6:-}"
    [ "$keep" = "keep" ] || dropdb --if-exists "$db" >/dev/null 2>&1 || true
    local demo_flag=()
    [ "$demo" = "nodemo" ] && demo_flag=(--without-demo=all)
    log "installing $modules into database $db (${demo}), log in $logfile"
    if ! "$PYTHON" -m odoo -c "$conf" -d "$db" -i "$modules" "${demo_flag[@]}" \
            --stop-after-init --log-level=warn >"$logfile" 2>&1; then
        tail -n 40 "$logfile"
        log "installing $modules failed"
        return 1
    fi
    check_log "$logfile" "installing $modules"
}

# Fail (and show them) when log file $1 holds ERROR or CRITICAL lines; $2 says what was logged.
check_log() {
    if grep -E " (ERROR|CRITICAL) " "$1" >/dev/null; then
        grep -E -A20 " (ERROR|CRITICAL) " "$1" | head -n 60
        log "$2 logged errors"
        return 1
    fi
}
