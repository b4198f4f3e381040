#!/usr/bin/env bash
# Creates a demo database with crm_loyalty and its demo data (three years of
# posted invoices, every pyramid level populated) and serves it on localhost:8069.
#   tools/demo.sh                 (re)create database crm_loyalty_demo and serve it
#   LOYALTY_DEMO_DB=name tools/demo.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
cd "$REPO_DIR"

reason="$(odoo_missing_reason)"
if [ -n "$reason" ]; then
    log "cannot start the demo: $reason. crm_loyalty needs Odoo 18 installed."
    exit 1
fi
ensure_python_deps
ensure_postgres
ensure_wkhtmltopdf || true  # the demo runs without it; its reports then print as HTML
mkdir -p "$REPO_DIR/.odoo-data"
conf="$REPO_DIR/.odoo-data/odoo-demo.conf"
write_odoo_conf "$conf"
db="${LOYALTY_DEMO_DB:-crm_loyalty_demo}"
port="${LOYALTY_DEMO_PORT:-8069}"
create_database "$conf" "$db" demo "$REPO_DIR/.odoo-data/demo-install.log"

log "demo database $db is ready."
log "Open http://localhost:$port/odoo/crm  -- login: admin  password: admin"
log "(CRM > Customer Loyalty > Pyramid). Stop with Ctrl+C."
exec "$PYTHON" -m odoo -c "$conf" -d "$db" --db-filter="^${db}\$" \
    --http-interface=127.0.0.1 --http-port="$port" --log-level=info
