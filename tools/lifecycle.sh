#!/usr/bin/env bash
# Upgrade and uninstall of crm_loyalty on a real database (needs Odoo 18 importable, and the OCA
# helpdesk addons for the bridge; git history for the previous version).
#   1. install the previous version (the last commit whose manifest version differs, or
#      LOYALTY_PREVIOUS_REF) with demo data, add a manual override, manual flags, changed settings and a
#      direct Loyalty User, and take a snapshot of every row of the module's tables;
#   2. upgrade to this checkout (-u crm_loyalty): every row is still there, unchanged, and no ERROR is logged;
#   3. install the helpdesk bridge, then uninstall crm_loyalty: no ERROR is logged, and no table, column,
#      xml id, model, field, cron, menu, view, rule, group, action, attachment, message or demo record of
#      the module is left;
#   4. the same uninstall on a fresh database with this checkout's demo and the bridge (the demo's salespeople,
#      payments, visits, calendar events, tickets and ratings go with it).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
cd "$REPO_DIR"

reason="$(odoo_missing_reason)"
if [ -n "$reason" ]; then
    log "cannot check upgrade and uninstall: $reason. crm_loyalty needs Odoo 18 installed."
    exit 1
fi
ensure_python_deps || exit 1
ensure_postgres || exit 1
ensure_oca_addons || exit 1

manifest_version() {  # version in the manifest of commit $1
    git show "$1:crm_loyalty/__manifest__.py" 2>/dev/null \
        | "$PYTHON" -c "import ast, sys; print(ast.literal_eval(sys.stdin.read())['version'])" 2>/dev/null
}
current="$(manifest_version HEAD)"
previous="${LOYALTY_PREVIOUS_REF:-}"
if [ -z "$previous" ]; then
    # the last commit before the one that set the current version
    for commit in $(git rev-list HEAD -- crm_loyalty/__manifest__.py); do
        version="$(manifest_version "$commit^")"
        if [ -n "$version" ] && [ "$version" != "$current" ]; then previous="$(git rev-parse "$commit^")"; break; fi
    done
fi
if [ -z "$previous" ]; then
    log "no previous version of crm_loyalty in the git history: nothing to upgrade from"
    exit 1
fi

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
mkdir -p "$workdir/previous"
git archive "$previous" crm_loyalty crm_loyalty_helpdesk | tar -x -C "$workdir/previous"
write_odoo_conf "$workdir/previous.conf" "$workdir/previous"
write_odoo_conf "$workdir/current.conf"
db="${LOYALTY_LIFECYCLE_DB:-crm_loyalty_lifecycle}"
snapshot="$workdir/snapshot.json"
started=$SECONDS

log "1. previous version $(manifest_version "$previous") (${previous:0:8}) with demo data"
create_database "$workdir/previous.conf" "$db" demo "$workdir/install.log" || exit 1
"$PYTHON" tools/lifecycle_check.py "$workdir/previous.conf" "$db" prepare "$snapshot" || exit 1

log "2. upgrade to $current (this checkout)"
if ! "$PYTHON" -m odoo -c "$workdir/current.conf" -d "$db" -u crm_loyalty --stop-after-init --log-level=info \
        >"$workdir/upgrade.log" 2>&1; then
    tail -n 40 "$workdir/upgrade.log"; log "the upgrade failed"; exit 1
fi
check_log "$workdir/upgrade.log" "the upgrade" || exit 1
"$PYTHON" tools/lifecycle_check.py "$workdir/current.conf" "$db" compare "$snapshot" || exit 1

# uninstall crm_loyalty from $db and check that nothing of it is left ($1 says which uninstall)
check_uninstall() {
    "$PYTHON" tools/lifecycle_check.py "$workdir/current.conf" "$db" uninstall "$snapshot" >"$workdir/uninstall.log" 2>&1
    local status=$?
    grep -v -E "^[0-9-]+ [0-9:,]+ [0-9]+ (INFO|DEBUG) " "$workdir/uninstall.log" | tail -n 30
    check_log "$workdir/uninstall.log" "$1" || exit 1
    [ "$status" -eq 0 ] || { log "$1 left records of the module behind"; exit 1; }
    dropdb --if-exists "$db" >/dev/null 2>&1
}

log "3. with the helpdesk bridge, uninstall"
create_database "$workdir/current.conf" "$db" demo "$workdir/bridge.log" crm_loyalty_helpdesk keep || exit 1
check_uninstall "the uninstall"

log "4. this checkout's demo (its users, payments, visits, tickets) with the bridge, uninstall"
create_database "$workdir/current.conf" "$db" demo "$workdir/fresh.log" crm_loyalty_helpdesk || exit 1
"$PYTHON" tools/lifecycle_check.py "$workdir/current.conf" "$db" prepare "$snapshot" >/dev/null || exit 1
check_uninstall "the uninstall of this checkout's demo"
log "upgrade and uninstall checked in $((SECONDS - started)) s"
