#!/usr/bin/env bash
# Odoo's own test suites with and without crm_loyalty: the post_install tests of sale, crm, sale_crm,
# the account classes that touch partners and invoices, helpdesk_mgmt and helpdesk_mgmt_rating, on a
# database without crm_loyalty and on one with crm_loyalty and its helpdesk bridge (both without demo
# data, run side by side). Prints the failures that appear only with crm_loyalty (there must be none:
# exit 1 otherwise), and the failures of both runs as environment failures (an optional library
# missing, ...). Takes 20-40 minutes: not part of .ci/run.
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
started=$SECONDS

run_side() {  # $1 = without | with
    local side="$1" db="crm_loyalty_compat_$1" port modules="$base_modules"
    port=$([ "$side" = with ] && echo 8369 || echo 8269)
    [ "$side" = with ] && modules+=",crm_loyalty,crm_loyalty_helpdesk"
    create_database "$workdir/odoo.conf" "$db" nodemo "$workdir/install-$side.log" "$modules" || return 1
    "$PYTHON" -m odoo -c "$workdir/odoo.conf" -d "$db" --test-tags "$tags" --http-port "$port" \
        --stop-after-init --log-level=test >"$workdir/tests-$side.log" 2>&1
    dropdb --if-exists "$db" >/dev/null 2>&1
    return 0
}

log "running $tags"
log "on a database without crm_loyalty and one with it (logs in $workdir)"
run_side without & without_pid=$!
run_side with & with_pid=$!
wait $without_pid || { log "the database without crm_loyalty could not be prepared"; exit 1; }
wait $with_pid || { log "the database with crm_loyalty could not be prepared"; exit 1; }

"$PYTHON" - "$workdir/tests-without.log" "$workdir/tests-with.log" $((SECONDS - started)) <<'PY'
import re
import sys

FAILURE = re.compile(r"^\S+ \S+ \d+ ERROR \S+ (odoo\.addons\.\S+): (FAIL|ERROR): (.+)$")
LOGGED = re.compile(r"^\S+ \S+ \d+ ERROR \S+ (odoo\.addons\.\S+): (.{0,120})")
SUMMARY = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
RAN = re.compile(r"(\d+) post-tests in")


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


without, summary_without, ran_without = read(sys.argv[1])
with_module, summary_with, ran_with = read(sys.argv[2])
only_with = sorted(with_module - without)
environment = sorted(with_module & without)
only_without = sorted(without - with_module)
print()
print(f"tests run: {ran_without} without crm_loyalty, {ran_with} with it ({int(sys.argv[3]) // 60} min)")
print(f"summary without: {summary_without}, with: {summary_with} (failed, errors, tests)")
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
if not ran_without or not ran_with or ran_without != ran_with:
    print("\nthe two runs did not run the same tests")
    sys.exit(1)
sys.exit(1 if only_with else 0)
PY
