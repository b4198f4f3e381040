#!/usr/bin/env bash
# Runs every test of crm_loyalty.
#   tools/test.sh            analytics tests, then (with Odoo 18) the Odoo suite on a fresh database
#   REQUIRE_ODOO=1 tools/test.sh   fail instead of skipping the Odoo suite (and its browser tours) when Odoo
#                                  or Chromium is missing (CI)
# Extra arguments go to pytest (e.g. -k override -x).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
cd "$REPO_DIR"

pytest_status() {  # pytest exit code 5 = no test collected: that is a failure here
    local status="$1" what="$2"
    if [ "$status" -eq 5 ]; then
        log "FAILED: pytest collected no test in the $what"
        return 1
    fi
    return "$status"
}

reason="$(odoo_missing_reason)"
if [ -n "$reason" ]; then
    "$PYTHON" -c "import pandas, numpy, scipy, hypothesis" >/dev/null 2>&1 \
        || "$PYTHON" -m pip install -q -r requirements.txt -r requirements-test.txt
    log "running the analytics tests (no Odoo needed)"
    "$PYTHON" -m pytest -p no:odoo -p no:cacheprovider tests_analytics "$@"
    pytest_status $? "analytics tests" || exit 1
    echo
    log "SKIPPED: the Odoo test suite did not run because $reason."
    log "Install Odoo 18 (with its requirements) so that 'python3 -c \"import odoo\"' works, then run tools/test.sh again."
    if [ "${REQUIRE_ODOO:-0}" = "1" ]; then
        log "REQUIRE_ODOO=1: the Odoo suite is required, failing."
        exit 1
    fi
    exit 0
fi

ensure_python_deps || exit 1
ensure_postgres || exit 1
# the printed reports (PDF): tested when wkhtmltopdf is there; CI must have it
if ensure_wkhtmltopdf; then
    [ "${REQUIRE_ODOO:-0}" = "1" ] && export LOYALTY_REQUIRE_PDF=1
elif [ "${REQUIRE_ODOO:-0}" = "1" ]; then
    log "REQUIRE_ODOO=1: the PDF reports are required (wkhtmltopdf), failing."
    exit 1
fi
# the browser tours (HttpCase): Odoo skips them silently without Chrome; CI must not
if ensure_browser; then
    [ "${REQUIRE_ODOO:-0}" = "1" ] && export LOYALTY_REQUIRE_BROWSER=1
elif [ "${REQUIRE_ODOO:-0}" = "1" ]; then
    log "REQUIRE_ODOO=1: the browser tours are required, failing."
    exit 1
else
    log "the browser tours will be skipped (no browser)"
fi
workdir="$(mktemp -d)"
conf="$workdir/odoo.conf"
write_odoo_conf "$conf"
db="${LOYALTY_TEST_DB:-crm_loyalty_test}"
demo="${LOYALTY_TEST_DEMO:-demo}"
# 1. crm_loyalty alone: it must install and work without any helpdesk
create_database "$conf" "$db" "$demo" "$workdir/install.log" || exit 1
log "running the analytics tests and the crm_loyalty suite on database $db (no helpdesk installed)"
"$PYTHON" -m pytest -p no:cacheprovider --odoo-config="$conf" --odoo-database="$db" --odoo-http \
    tests_analytics crm_loyalty/tests "$@"
pytest_status $? "crm_loyalty suite" || exit 1

# 2. the helpdesk bridge, with the OCA helpdesk addons, on top of the same database
ensure_oca_addons || exit 1
create_database "$conf" "$db" "$demo" "$workdir/install-helpdesk.log" crm_loyalty_helpdesk keep || exit 1
log "running the crm_loyalty_helpdesk suite on database $db"
"$PYTHON" -m pytest -p no:cacheprovider --odoo-config="$conf" --odoo-database="$db" --odoo-http \
    crm_loyalty_helpdesk/tests "$@"
pytest_status $? "crm_loyalty_helpdesk suite"
