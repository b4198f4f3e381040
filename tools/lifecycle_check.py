# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Steps of tools/lifecycle.sh, run inside Odoo (python3 tools/lifecycle_check.py CONF DB STEP [FILE]).

prepare FILE    (previous version) a manual override, manual flags, changed settings, a direct Loyalty User;
                then a snapshot of every row of the module's tables and of the loyalty settings into FILE
compare FILE    (new version, after -u) every row of the snapshot is still there, unchanged
uninstall FILE  uninstall crm_loyalty (and its bridge), then list what the module left behind
"""

import json
import sys

import odoo
from odoo import SUPERUSER_ID, api

MODULES = ("crm_loyalty", "crm_loyalty_helpdesk")
SKIPPED_COLUMNS = {"write_date", "write_uid"}


def _version_tuple(version):
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _tables(cr):
    cr.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'crm\\_loyalty\\_%'")
    return sorted(row[0] for row in cr.fetchall())


def _columns(cr, table, like="%"):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name LIKE %s",
        [table, like],
    )
    return sorted(row[0] for row in cr.fetchall() if row[0] not in SKIPPED_COLUMNS)


def _rows(cr, table, columns):
    quoted = ", ".join(f'"{column}"' for column in columns)
    cr.execute(f'SELECT {quoted} FROM "{table}" ORDER BY 1')  # table and columns from the catalog
    return [[None if value is None else str(value) for value in row] for row in cr.fetchall()]


def snapshot(env):
    cr = env.cr
    data = {table: {"columns": _columns(cr, table)} for table in _tables(cr)}
    for table, entry in data.items():
        entry["rows"] = _rows(cr, table, entry["columns"])
    settings = _columns(cr, "res_company", "loyalty\\_%")
    data["res_company"] = {"columns": ["id", *settings], "rows": _rows(cr, "res_company", ["id", *settings])}
    cr.execute(
        "SELECT model, res_id FROM ir_model_data WHERE module IN %s AND model IN ('res.partner', 'product.template')",
        [MODULES],
    )
    data["demo_records"] = cr.fetchall()
    cr.execute("SELECT latest_version FROM ir_module_module WHERE name = 'crm_loyalty'")
    data["version"] = cr.fetchone()[0]
    return data


def prepare(env, path):
    company = env.ref("base.main_company")
    scores = env["crm.loyalty.score"].search([("company_id", "=", company.id)], order="rank, id")
    ranked = scores.filtered("rank")
    ranked[-1]._loyalty_set_override(
        env["crm.loyalty.level"].search([("company_id", "=", company.id), ("code", "=", "top")]),
        "Strategic account (lifecycle check)",
    )
    ranked[0].action_toggle_influential()
    ranked[1].action_toggle_innovative()
    company.write(
        {"loyalty_ranking_months": 18, "loyalty_key_account_threshold": 150000.0, "loyalty_phase_threshold": 12.5}
    )
    env["res.users"].create(
        {
            "name": "Direct Loyalty User",
            "login": "lifecycle_direct_loyalty_user",
            "groups_id": [(6, 0, [env.ref("base.group_user").id, env.ref("crm_loyalty.group_loyalty_user").id])],
        }
    )
    env.cr.commit()
    data = snapshot(env)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    counts = {table: len(entry["rows"]) for table, entry in data.items() if table.startswith("crm_loyalty")}
    print(f"prepared: {counts}")
    return 0


def compare(env, path):
    with open(path, encoding="utf-8") as handle:
        before = json.load(handle)
    problems = []
    for table, entry in before.items():
        if table in ("demo_records", "version"):
            continue
        columns = entry["columns"]
        now = _columns(env.cr, table)
        missing_columns = [column for column in columns if column not in now]
        if missing_columns:
            problems.append(f"{table}: columns gone: {missing_columns}")
            continue
        after = {tuple(row) for row in _rows(env.cr, table, columns)}
        lost = [row for row in entry["rows"] if tuple(row) not in after]
        if lost:
            problems.append(f"{table}: {len(lost)} of {len(entry['rows'])} rows lost or changed, e.g. {lost[0]}")
    # 18.0.1.1.0 restricted Loyalty Users to their own customers and gave those who had the rights directly
    # (not as salespeople) the new "All Customers" group; a user created in 18.0.1.1.0 or later keeps
    # what it was given
    direct = env["res.users"].search([("login", "=", "lifecycle_direct_loyalty_user")])
    earlier = _version_tuple(before.get("version") or "0") < _version_tuple("18.0.1.1.0")
    if earlier and not direct.has_group("crm_loyalty.group_loyalty_user_all"):
        problems.append("the direct Loyalty User lost sight of the customers of other salespeople")
    # the engine's new columns on the earlier rows: runs ended, analyses computed when saved
    runs = env["crm.loyalty.run"].search([])
    if runs.filtered(lambda run: run.step != "done" or not run.date_end or run.state not in ("done", "failed")):
        problems.append("runs of the previous version do not read as ended")
    for model in ("crm.loyalty.economics", "crm.loyalty.migration"):
        if env[model].search_count([("needs_compute", "=", True)]):
            problems.append(f"{model}: records computed by the previous version ask to be computed again")
    rows = sum(len(entry["rows"]) for table, entry in before.items() if table not in ("demo_records", "version"))
    for problem in problems:
        print(f"UPGRADE PROBLEM: {problem}")
    print(f"upgrade kept {rows} rows of {len(before) - 2} tables" if not problems else "upgrade lost data")
    return 1 if problems else 0


LEFTOVER_QUERIES = {
    "tables": "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'crm\\_loyalty%%'",
    "xml ids": "SELECT module || '.' || name FROM ir_model_data WHERE module IN %(modules)s",
    "models": "SELECT model FROM ir_model WHERE model LIKE 'crm.loyalty%%'",
    "fields": "SELECT model || '.' || name FROM ir_model_fields WHERE model LIKE 'crm.loyalty%%' "
    "OR name LIKE 'loyalty\\_%%' OR (model = 'helpdesk.ticket.category' AND name = 'is_complaint')",
    "crons": "SELECT cron_name FROM ir_cron WHERE ir_actions_server_id IN "
    "(SELECT id FROM ir_act_server WHERE code LIKE '%%loyalty%%')",
    "server actions": "SELECT name->>'en_US' FROM ir_act_server WHERE code LIKE '%%loyalty%%'",
    "window actions": "SELECT name->>'en_US' FROM ir_act_window WHERE res_model LIKE 'crm.loyalty%%'",
    "menus": "SELECT name->>'en_US' FROM ir_ui_menu "
    "WHERE action LIKE '%%crm.loyalty%%' OR name->>'en_US' = 'Customer Loyalty'",
    "views": "SELECT name FROM ir_ui_view WHERE model LIKE 'crm.loyalty%%' OR arch_db::text LIKE '%%crm\\_loyalty%%' "
    "OR arch_db::text LIKE '%%loyalty\\_level%%' OR arch_db::text LIKE '%%loyalty\\_score%%'",
    "rules": "SELECT name FROM ir_rule WHERE domain_force LIKE '%%loyalty%%' OR name LIKE 'Pyramid%%'",
    "groups": "SELECT name->>'en_US' FROM res_groups WHERE category_id IN "
    "(SELECT id FROM ir_module_category WHERE name->>'en_US' = 'Customer Loyalty')",
    "categories": "SELECT name->>'en_US' FROM ir_module_category WHERE name->>'en_US' = 'Customer Loyalty'",
    "reports": "SELECT report_name FROM ir_act_report_xml WHERE report_name LIKE 'crm_loyalty%%'",
    "attachments": "SELECT name FROM ir_attachment WHERE res_model LIKE 'crm.loyalty%%'",
    "messages": "SELECT id::text FROM mail_message WHERE model LIKE 'crm.loyalty%%'",
    "followers": "SELECT id::text FROM mail_followers WHERE res_model LIKE 'crm.loyalty%%'",
    "activities": "SELECT id::text FROM mail_activity WHERE res_model LIKE 'crm.loyalty%%'",
    "calendar events": "SELECT name FROM calendar_event WHERE res_model LIKE 'crm.loyalty%%'",
}


def _module_columns(env):
    """(table, column) of every stored field the modules define, from their ir.model.fields records."""
    env.cr.execute(
        """SELECT field.model, field.name FROM ir_model_fields field
             JOIN ir_model_data data ON data.model = 'ir.model.fields' AND data.res_id = field.id
            WHERE data.module IN %s AND field.store AND field.ttype NOT IN ('one2many', 'many2many')""",
        [MODULES],
    )
    return [(env[model]._table, name) for model, name in env.cr.fetchall() if model in env]


def uninstall(env, path):
    with open(path, encoding="utf-8") as handle:
        demo_records = json.load(handle)["demo_records"]
    columns = _module_columns(env)
    assert len(columns) > 50, columns
    env["ir.module.module"].search([("name", "=", "crm_loyalty")]).button_immediate_uninstall()
    registry = odoo.modules.registry.Registry(env.cr.dbname)
    left = {}
    with registry.cursor() as cr:
        for what, query in LEFTOVER_QUERIES.items():
            cr.execute(query, {"modules": MODULES})
            rows = [row[0] for row in cr.fetchall()]
            if rows:
                left[what] = rows
        for table, column in columns:
            cr.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s", [table, column]
            )
            if cr.fetchone():
                left.setdefault("columns", []).append(f"{table}.{column}")
        for model, res_id in demo_records:
            cr.execute(f'SELECT 1 FROM "{model.replace(".", "_")}" WHERE id = %s', [res_id])  # model from ir_model_data
            if cr.fetchone():
                left.setdefault("demo records", []).append(f"{model},{res_id}")
        cr.execute("SELECT state FROM ir_module_module WHERE name IN %s", [MODULES])
        states = {row[0] for row in cr.fetchall()}
    for what, rows in left.items():
        print(f"UNINSTALL LEFT {len(rows)} {what}: {rows[:5]}")
    print("uninstall left nothing" if not left else "uninstall left records behind", f"(module states: {states})")
    return 1 if left or states - {"uninstalled"} else 0


def main(conf, db, step, path):
    odoo.tools.config.parse_config(["-c", conf, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        return {"prepare": prepare, "compare": compare, "uninstall": uninstall}[step](env, path)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
