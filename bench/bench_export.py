#!/usr/bin/env python3
# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of the Excel workbook export, of the pyramid economics and of the
migration matrix on the database prepared by ``bench_recompute.py``.

    python3 bench/bench_recompute.py --db crm_loyalty_bench_100k --customers 100000 --lines 1000000
    python3 bench/bench_export.py --db crm_loyalty_bench_100k [--config /path/odoo.conf] [--months 12]
        [--keep FILE.xlsx]

Needs a database whose pyramid was computed (scores for every customer). It
computes the monthly KPI snapshots of the last ``--months`` months, the
economics of the last twelve full months (with costs allocated by revenue) and
a migration matrix over the last year up to today, then times the export of the workbook
(``env['crm.loyalty.workbook'].loyalty_export_workbook``) and prints wall time,
peak RSS of this process, the size of the file and its number of customer rows.

The export is timed as superuser (the floor: no record rule), then with a user's own rights, as the web
client exports it: a Loyalty Manager (every customer, the rules still evaluated) and an own-documents
salesperson given 1% of the customers (every sheet computed from what the rules let them read). Each is
printed beside the superuser export of the same run.
Nothing is committed: the transaction is rolled back at the end.
"""

import argparse
import base64
import io
import os
import resource
import sys
import time

REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def log(message, *args):
    print(f"[bench] {message % args if args else message}", flush=True)


def export_as_users(env, company, economics, scores):
    """The workbook exported with a Loyalty Manager's rights and with an own-documents salesperson's (given 1%
    of the customers, a colleague the others): ``[(label, seconds, Customers sheet rows)]``."""
    import openpyxl

    def user(login, groups):
        return env["res.users"].create(
            {
                "name": login,
                "login": login,
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "groups_id": [(6, 0, [env.ref(group).id for group in groups])],
            }
        )

    manager = user("bench_export_manager", ["base.group_user", "crm_loyalty.group_loyalty_manager"])
    seller = user("bench_export_seller", ["base.group_user", "sales_team.group_sale_salesman"])
    colleague = user("bench_export_colleague", ["base.group_user", "sales_team.group_sale_salesman"])
    env.cr.execute(
        """UPDATE res_partner partner
              SET user_id = CASE WHEN score.partner_id %% 100 = 0 THEN %s ELSE %s END
             FROM crm_loyalty_score score
            WHERE score.partner_id = partner.id AND score.company_id = %s""",
        (seller.id, colleague.id, company.id),
    )
    env.invalidate_all()
    results = []
    for label, who, kwargs in (("manager", manager, {"economics": economics}), ("salesperson", seller, {})):
        user_env = env(user=who, su=False, context={"allowed_company_ids": company.ids})
        started = time.perf_counter()
        attachment = user_env["crm.loyalty.workbook"].loyalty_export_workbook(**kwargs)
        seconds = time.perf_counter() - started
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.sudo().datas)), read_only=True)
        results.append((label, seconds, book["Customers"].max_row - 1))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", help="Odoo configuration file")
    parser.add_argument("--months", type=int, default=12, help="KPI snapshots to compute before the export")
    parser.add_argument("--keep", help="write the workbook to this file")
    args = parser.parse_args()

    from dateutil.relativedelta import relativedelta

    import odoo
    from odoo import SUPERUSER_ID, api, fields
    from odoo.modules.registry import Registry
    from odoo.tools import config

    options = ["-c", args.config] if args.config else []
    if not args.config:
        addons = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")
        options += ["--addons-path", f"{addons},{REPO_DIR}"]
    config.parse_config([*options, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    rss_registry = peak_rss_mb()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
        company = env.ref("base.main_company")
        scores = env["crm.loyalty.score"].search_count([("company_id", "=", company.id)])
        if not scores:
            log("no scores in %s: run bench/bench_recompute.py first", args.db)
            return 1
        today = fields.Date.context_today(env["res.partner"])
        started = time.perf_counter()
        for months_back in range(args.months, 0, -1):
            env["crm.loyalty.kpi"]._compute_month(today - relativedelta(months=months_back), company)
        kpi_time = time.perf_counter() - started

        started = time.perf_counter()
        economics = env["crm.loyalty.workbook"]._loyalty_default_economics(company)
        economics.write({"marketing_cost": 250_000.0, "sales_cost": 750_000.0, "allocation_rule": "revenue"})
        economics.action_compute()  # computed by its action, not when saved
        economics_time = time.perf_counter() - started

        started = time.perf_counter()
        migration = env["crm.loyalty.migration"].create(
            {
                "company_id": company.id,
                "date_a": today - relativedelta(years=1),
                "date_b": today,
            }
        )
        migration.action_compute()
        migration_time = time.perf_counter() - started

        rss_before = peak_rss_mb()
        started = time.perf_counter()
        attachment = env["crm.loyalty.workbook"].loyalty_export_workbook(economics=economics)
        export_time = time.perf_counter() - started
        content = base64.b64decode(attachment.datas)
        as_users = export_as_users(env, company, economics, scores)
        rows = None
        try:
            import openpyxl

            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
            rows = book["Customers"].max_row - 1
        except ImportError:
            pass
        if args.keep:
            with open(args.keep, "wb") as handle:
                handle.write(content)
        print()
        print(f"customers scored     : {scores}")
        print(f"KPI snapshots        : {args.months} months in {kpi_time:.1f} s ({kpi_time / args.months:.2f} s/month)")
        print(f"economics (12 months): {economics_time:.1f} s, {economics.customer_count} customers")
        print(f"migration matrix     : {migration_time:.1f} s, {migration.line_count} customer rows")
        print(f"workbook export      : {export_time:.1f} s (bar: 30 s)")
        print(f"workbook size        : {len(content) / 1e6:.1f} MB, Customers sheet rows: {rows}")
        print(
            f"peak RSS             : {peak_rss_mb():.0f} MB (bar: 1024 MB; after registry load {rss_registry:.0f} MB,"
        )
        print(f"                       before the export {rss_before:.0f} MB)")
        for label, seconds, customer_rows in as_users:
            print(
                f"export as {label:<11}: {seconds:.1f} s, {customer_rows} customer rows "
                f"({seconds / export_time:.2f}x the superuser export, floor {export_time:.1f} s)"
            )
        cr.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
