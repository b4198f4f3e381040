# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the articles' reports cost on the benchmark data set (``dataset.py``), each printed beside its floor,
measured in the same run:

* sales dynamics (``crm.loyalty.sales.report``, a view over the invoice sums joined with the scores): the pivot's
  query, revenue and distinct customers per month and level, over every month; *floor* a plain GROUP BY per
  customer and month of the same invoice sums, counted in the database (the rows the view aggregates, no
  join, nothing sent to Python);
* the workbook's Sales Dynamics sheet (the last 24 months) and Financial Statistics sheet, written to an
  in-memory workbook; *floor* the same statements' GROUP BYs alone for the sales sheet, a plain GROUP BY per
  level of the scores for the financial one.

Usage::

    python3 bench/bench_reports.py --db crm_loyalty_bench_100k --customers 100000 --lines 1000000 --reuse
"""

import argparse
import io

import xlsxwriter
from dataset import add_arguments, best, check_arguments, log, peak_rss_mb, prepare

SALES_FLOOR_SQL = """
SELECT COUNT(*) FROM (
    SELECT date_trunc('month', day), partner_id, SUM(amount), SUM(amount - cost), COUNT(*)
      FROM crm_loyalty_move
     WHERE company_id = %(company)s
     GROUP BY 1, 2
) per_customer_and_month
"""

FINANCIAL_FLOOR_SQL = """
SELECT level_id, COUNT(*), SUM(revenue_window), SUM(margin_window), SUM(revenue_lifetime), SUM(invoice_count),
       SUM(clv), SUM(payment_overdue_amount)
  FROM crm_loyalty_score
 WHERE company_id = %(company)s AND invoice_count > 0
 GROUP BY level_id
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    args = parser.parse_args()
    check_arguments(parser, args)
    registry, counts, _generation = prepare(args)
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        if not env["crm.loyalty.score"].search_count([("company_id", "=", company.id)], limit=1):
            log("no scores yet: a first recompute")
            env["res.partner"].loyalty_recompute(company)
            cr.commit()
        params = {"company": company.id}
        report = env["crm.loyalty.sales.report"]
        cr.execute("SELECT COUNT(*) FROM crm_loyalty_move WHERE company_id = %s", [company.id])
        moves = cr.fetchone()[0]
        sales_floor, floor_rows = best(lambda: (cr.execute(SALES_FLOOR_SQL, params), cr.fetchone()[0])[1])
        pivot, groups = best(
            lambda: report._read_group(
                [("company_id", "=", company.id)],
                ["date:month", "level_id"],
                ["revenue:sum", "partner_id:count_distinct"],
            )
        )
        book_file = io.BytesIO()
        workbook = xlsxwriter.Workbook(book_file, {"in_memory": True, "constant_memory": True})
        writer = env["crm.loyalty.workbook"]
        formats = writer._loyalty_formats(workbook, company.currency_id)
        sales_sheet, _ = best(lambda: writer._loyalty_sheet_sales(workbook, formats, company), repeat=1)
        financial_floor, _ = best(lambda: (cr.execute(FINANCIAL_FLOOR_SQL, params), cr.fetchall()))
        financial_sheet, _ = best(lambda: writer._loyalty_sheet_financial(workbook, formats, company), repeat=1)
        workbook.close()
        cr.rollback()

    print()
    print(f"== crm_loyalty reports: db {args.db}, {args.customers} customers, {args.lines} lines, {moves} invoices")
    print(f"data set                 : {counts}")
    print(f"{'run':<58} {'time':>9} {'ratio':>16}")
    label = f"floor: GROUP BY customer and month of the sums ({floor_rows} rows)"
    print(f"{label:<58} {sales_floor:>8.2f}s")
    label = f"sales dynamics pivot, month x level ({len(groups)} cells)"
    print(f"{label:<58} {pivot:>8.2f}s {pivot / sales_floor:>10.1f}x floor")
    print(f"{'Sales Dynamics sheet (24 months)':<58} {sales_sheet:>8.2f}s {sales_sheet / sales_floor:>10.1f}x floor")
    print(f"{'floor: GROUP BY level of the scores':<58} {financial_floor:>8.2f}s")
    print(
        f"{'Financial Statistics sheet':<58} {financial_sheet:>8.2f}s "
        f"{financial_sheet / financial_floor:>10.1f}x floor"
    )
    print(f"peak RSS                 : {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
