#!/usr/bin/env bash
# Odoo's own test suites with and without crm_loyalty: the post_install tests of sale, crm, sale_crm,
# the account classes that touch partners and invoices, helpdesk_mgmt and helpdesk_mgmt_rating, on a
# database without crm_loyalty and on one with crm_loyalty and its helpdesk bridge (both without demo
# data, run side by side); then every test of crm and sale_crm again with pytest-odoo on the same
# databases, so that their at_install tests (which Odoo runs before crm_loyalty is loaded) meet the
# module too. Prints the failures that appear only with crm_loyalty (there must be none: exit 1
# otherwise), and the failures of both runs as environment failures (an optional library missing,
# ...). Takes about 10 minutes on 2 cores.
#   tools/compat.sh                  COMPAT_TAGS="..." tools/compat.sh   (other test tags)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
cd "$REPO_DIR"

reason="$(odoo_missing_reason)"
if [ -n "$reason" ]; then
    log "cannot run Odoo's suites: $reason. crm_loyalty needs Odoo 18 installed."
    exit 1
fi
ensure_python_deps || exit 1
ensure_postgres || exit 1
ensure_oca_addons || exit 1

ACCOUNT_CLASSES="TestAccountMoveOutInvoiceOnchanges TestAccountMoveOutRefundOnchanges TestAccountPartner \
TestMergePartner TestAccountMovePaymentsWidget TestAccountPaymentRegister TestAccountInvoiceReport TestInvoiceTaxes \
TestAccountMoveSend"
default_tags="post_install/sale,post_install/crm,post_install/sale_crm,post_install/helpdesk_mgmt"
default_tags+=",post_install/helpdesk_mgmt_rating"
for class in $ACCOUNT_CLASSES; do default_tags+=",post_install/account:$class"; done
tags="${COMPAT_TAGS:-$default_tags}"
base_modules="sale_crm,account,helpdesk_mgmt,helpdesk_mgmt_rating"
workdir="${COMPAT_WORKDIR:-$(mktemp -d)}"
mkdir -p "$workdir"
write_odoo_conf "$workdir/odoo.conf"
pytest_paths="$("$PYTHON" - "$workdir/odoo.conf" <<'PY'
import os, sys
import odoo
odoo.tools.config.parse_config(["-c", sys.argv[1]])
print(" ".join(os.path.join(odoo.modules.module.get_module_path(name), "tests") for name in ("crm", "sale_crm")))
PY
)"
[ -n "$pytest_paths" ] || { log "cannot find the tests of crm and sale_crm"; exit 1; }

started=$SECONDS

run_side() {  # $1 = without | with
    local side="$1" db="crm_loyalty_compat_$1" port modules="$base_modules"
    port=$([ "$side" = with ] && echo 8369 || echo 8269)
    [ "$side" = with ] && modules+=",crm_loyalty,crm_loyalty_helpdesk"
    create_database "$workdir/odoo.conf" "$db" nodemo "$workdir/install-$side.log" "$modules" || return 1
    "$PYTHON" -m odoo -c "$workdir/odoo.conf" -d "$db" --test-tags "$tags" --http-port "$port" \
        --stop-after-init --log-level=test >"$workdir/tests-$side.log" 2>&1
    "$PYTHON" -m pytest -p no:cacheprovider -q -rfE --odoo-config="$workdir/odoo.conf" --odoo-database="$db" \
        $pytest_paths >"$workdir/pytest-$side.log" 2>&1
    dropdb --if-exists "$db" >/dev/null 2>&1
    return 0
}

log "running $tags"
log "on a database without crm_loyalty and one with it (logs in $workdir)"
run_side without & without_pid=$!
run_side with & with_pid=$!
wait $without_pid || { log "the database without crm_loyalty could not be prepared"; exit 1; }
wait $with_pid || { log "the database with crm_loyalty could not be prepared"; exit 1; }

"$PYTHON" - "$workdir" $((SECONDS - started)) <<'PY'
import re
import sys

FAILURE = re.compile(r"^\S+ \S+ \d+ ERROR \S+ (odoo\.addons\.\S+): (FAIL|ERROR): (.+)$")
LOGGED = re.compile(r"^\S+ \S+ \d+ ERROR \S+ (odoo\.addons\.\S+): (.{0,120})")
SUMMARY = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
RAN = re.compile(r"(\d+) post-tests in")
PYTEST_FAILURE = re.compile(r"^(FAILED|ERROR) \S*/addons/(\w+)/tests/\S+?::(\S+?)(?: - .*)?$")
PYTEST_SUMMARY = re.compile(r"^=*\s*(.*\b(?:passed|failed|error|errors)\b.*) in [\d.]+s")


def read_pytest(path):
    failures, summary = set(), ""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if match := PYTEST_FAILURE.match(line.strip()):
                failures.add(f"{match.group(2)} (pytest): {match.group(3).replace('::', '.')}")
            if match := PYTEST_SUMMARY.match(line.strip()):
                summary = match.group(1)
    return failures, summary


def read(path):
    failures, summary, ran = set(), None, 0
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if match := FAILURE.match(line):
                module = match.group(1).split(".")[2]
                failures.add(f"{module}: {match.group(3).strip()}")
            elif match := LOGGED.match(line):
                module = match.group(1).split(".")[2]
                failures.add(f"{module}: logged error: {re.sub(r'[0-9]+', 'N', match.group(2).strip())}")
            if match := SUMMARY.search(line):
                summary = tuple(int(n) for n in match.groups())
            if match := RAN.search(line):
                ran += int(match.group(1))
    return failures, summary, ran


workdir = sys.argv[1]
without, summary_without, ran_without = read(f"{workdir}/tests-without.log")
with_module, summary_with, ran_with = read(f"{workdir}/tests-with.log")
pytest_without, pytest_summary_without = read_pytest(f"{workdir}/pytest-without.log")
pytest_with, pytest_summary_with = read_pytest(f"{workdir}/pytest-with.log")
without |= pytest_without
with_module |= pytest_with
only_with = sorted(with_module - without)
environment = sorted(with_module & without)
only_without = sorted(without - with_module)
print()
print(f"post_install tests run: {ran_without} without crm_loyalty, {ran_with} with it ({int(sys.argv[2]) // 60} min)")
print(f"summary without: {summary_without}, with: {summary_with} (failed, errors, tests)")
print(f"crm and sale_crm tests with pytest-odoo: without: {pytest_summary_without}; with: {pytest_summary_with}")
print(f"\nfailures only with crm_loyalty: {len(only_with)}")
for name in only_with:
    print(f"  {name}")
print(f"\nenvironment failures (in both runs): {len(environment)}")
for name in environment:
    print(f"  {name}")
if only_without:
    print(f"\nfailures only without crm_loyalty: {len(only_without)}")
    for name in only_without:
        print(f"  {name}")
if not ran_without or not ran_with or ran_without != ran_with or not pytest_summary_with:
    print("\nthe two runs did not run the same tests")
    sys.exit(1)
sys.exit(1 if only_with else 0)
PY
