# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the readers of levels at a date cost on the benchmark data set (``dataset.py``) with its level history,
each printed beside its floor, measured in the same run:

* levels of every customer at two dates (a month's start and end): the history's one reader
  (``crm.loyalty.history._loyalty_history_slice``: per customer its last row up to each date) against the whole
  history loaded and replayed in Python (what the KPIs, economics, migration, annual plans and workbook did
  before); *floor* the current level of every customer read from the scores (one row per customer: what any
  reader of every customer's level reads at least);
* the readers that use it: the KPIs of a month, the pyramid economics, the migration, the annual plans and the
  workbook's Migration sheet.

Run it after ``bench_recompute.py`` (its history rebuild gives the history, 24 month-ends by default), on the
same database::

    python3 bench/bench_readers.py --db crm_loyalty_bench_100k --customers 100000 --lines 1000000 --reuse
"""

import argparse
import io

import xlsxwriter
from dataset import add_arguments, best, check_arguments, peak_rss_mb, prepare
from dateutil.relativedelta import relativedelta

FLOOR_SQL = "COPY (SELECT partner_id, level_id FROM crm_loyalty_score WHERE company_id = %s) TO STDOUT"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    args = parser.parse_args()
    check_arguments(parser, args)
    registry, counts, _generation = prepare(args)
    from odoo import SUPERUSER_ID, api

    from odoo.addons.crm_loyalty.loyalty_analytics.kpi import levels_at

    lines = []

    def show(label, seconds, floor=None):
        ratio = f"{seconds / floor:>10.1f}x floor" if floor else ""
        lines.append(f"{label:<62} {seconds:>8.2f}s {ratio}")

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        history = env["crm.loyalty.history"]
        cr.execute(
            "SELECT COUNT(*), MIN(date)::date, MAX(date)::date FROM crm_loyalty_history WHERE company_id = %s",
            [company.id],
        )
        rows, first, last = cr.fetchone()
        if not rows:
            parser.error("no level history: run bench_recompute.py (with its history rebuild) first")
        end = last.replace(day=1) - relativedelta(days=1)  # the last month-end of the history
        start = end.replace(day=1) - relativedelta(days=1)

        def floor_read():
            handle = io.StringIO()
            cr.copy_expert(cr.mogrify(FLOOR_SQL, [company.id]).decode(), handle)
            return handle.tell()

        floor, _ = best(floor_read)
        show("floor: every customer's level from the scores (COPY)", floor)

        def whole():
            frame = history._loyalty_history_frame(company)
            return levels_at(frame, start), levels_at(frame, end)

        def sliced():
            frame = history._loyalty_history_slice(company, [start, end])
            return levels_at(frame, start), levels_at(frame, end), len(frame)

        replay, (old_start, old_end) = best(whole, repeat=2)
        reader, (new_start, new_end, slice_rows) = best(sliced, repeat=2)
        if not (old_start.equals(new_start) and old_end.equals(new_end)):
            raise SystemExit("the slice and the whole history disagree")
        show(f"levels at 2 dates, whole history replayed ({rows} rows)", replay, floor)
        show(f"levels at 2 dates, the history's reader ({slice_rows} rows read)", reader, floor)

        kpi = env["crm.loyalty.kpi"]
        month, _ = best(lambda: kpi._loyalty_compute_month(end.replace(day=1), company), repeat=1)
        show(f"KPIs of {end:%B %Y} (every row: company, salespeople, levels)", month, floor)
        economics = env["crm.loyalty.economics"].create(
            {"company_id": company.id, "date_from": end.replace(day=1) - relativedelta(months=11), "date_to": end}
        )
        seconds, _ = best(economics.action_compute, repeat=1)
        show("pyramid economics (12 months)", seconds, floor)
        migration = env["crm.loyalty.migration"].create({"company_id": company.id, "date_a": start, "date_b": end})
        seconds, _ = best(migration.action_compute, repeat=1)
        show("migration (one month)", seconds, floor)
        target = env["crm.loyalty.target"].create(
            {"company_id": company.id, "user_id": env.ref("base.user_admin").id, "year": end.year}
        )
        seconds, _ = best(lambda: (target.invalidate_recordset(), target.actual_new_customers), repeat=1)
        show(f"annual plan actuals ({end.year})", seconds, floor)
        book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True, "constant_memory": True})
        writer = env["crm.loyalty.workbook"]
        formats = writer._loyalty_formats(book, company.currency_id)
        seconds, _ = best(
            lambda: writer._loyalty_sheet_migration(book, formats, company, start + relativedelta(days=1), end),
            repeat=1,
        )
        show("workbook Migration sheet (one month)", seconds, floor)
        book.close()
        cr.rollback()

    print()
    print(
        f"== crm_loyalty readers of levels: db {args.db}, {args.customers} customers, history {rows} rows "
        f"from {first} to {last}; period {start + relativedelta(days=1)} to {end}"
    )
    print(f"data set                 : {counts}")
    print("\n".join(lines))
    print(f"peak RSS                 : {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
