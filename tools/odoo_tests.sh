#!/usr/bin/env bash
# The test suites run the Odoo way, as Odoo.sh, runbot and OCA's CI run them: on a fresh database,
# `odoo -i crm_loyalty --test-enable --stop-after-init` (crm_loyalty's tests, demo data included), then the same
# for the helpdesk bridge. Fails on a failed test and on any ERROR or CRITICAL line in the log (a test that
# provokes an error mutes or asserts it). Needs Odoo 18 importable, like tools/test.sh.
#   tools/odoo_tests.sh            (database crm_loyalty_odoo_tests, dropped at the end)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
cd "$REPO_DIR"

reason="$(odoo_missing_reason)"
if [ -n "$reason" ]; then
    log "cannot run Odoo's test runner: $reason."
    exit 1
fi
ensure_python_deps || exit 1
ensure_postgres || exit 1
ensure_browser || { log "the browser tours need Chromium"; exit 1; }
ensure_wkhtmltopdf || { log "the PDF reports need wkhtmltopdf"; exit 1; }
ensure_oca_addons || exit 1
export LOYALTY_REQUIRE_BROWSER=1 LOYALTY_REQUIRE_PDF=1
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
conf="$workdir/odoo.conf"
write_odoo_conf "$conf"
db="${LOYALTY_ODOO_TESTS_DB:-crm_loyalty_odoo_tests}"
dropdb --if-exists "$db" >/dev/null 2>&1
started=$SECONDS
for module in crm_loyalty crm_loyalty_helpdesk; do
    log "odoo -i $module --test-enable --test-tags /$module on database $db"
    "$PYTHON" -m odoo -c "$conf" -d "$db" -i "$module" --test-enable --test-tags "/$module" --stop-after-init \
        --log-level=info >"$workdir/$module.log" 2>&1
    status=$?
    grep -E "odoo.tests.(result|stats): " "$workdir/$module.log" | tail -n 3
    if ! check_log "$workdir/$module.log" "Odoo's test runner on $module"; then
        exit 1
    fi
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$workdir/$module.log"
        log "Odoo's test runner on $module exited with $status"
        exit 1
    fi
done
dropdb --if-exists "$db" >/dev/null 2>&1
log "Odoo's own test runner: green in $((SECONDS - started)) s"
