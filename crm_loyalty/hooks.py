# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo.tools import SQL

from .demo.generator import LoyaltyDemo


def post_init_hook(env):
    """The first computation after installation: every company's pyramid, with its level history rebuilt
    from the invoices (``loyalty_history_months``), queued for the scheduler. With demo data: the demo
    customers and invoices, then the same computation at once, and the demo analyses."""
    if env.ref("base.module_crm_loyalty").demo:
        LoyaltyDemo(env).generate()
    else:
        env["crm.loyalty.engine"]._loyalty_queue_first_runs()


def uninstall_hook(env):
    """Before the module's records are removed: the demo's invoices, quotations and opportunities, which
    would otherwise keep its partners and products (see ``LoyaltyDemo.remove``); the staging tables of
    runs that did not end (Odoo drops only the tables of the module's models)."""
    LoyaltyDemo(env).remove()
    env.cr.execute("SELECT tablename FROM pg_tables WHERE tablename ~ '^crm_loyalty_stage_[0-9]+(_moves)?$'")
    for (table,) in env.cr.fetchall():
        env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
