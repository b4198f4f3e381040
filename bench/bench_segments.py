# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the figures of issue 12 cost on the benchmark data set (``dataset.py``): the payment-risk update
of every score (its set-based statement over the receivable lines and their reconciliations) and the
segments, each printed beside its floor, measured in the same run.

The data set's invoices are all open: this script first reconciles 80% of the invoices' receivable lines
with a payment, paid between 10 days early and 80 days late (and 10% of those in two halves), with
set-based SQL in the benchmark's transaction, and rolls everything back at the end. The partial
reconciliations all point at one payment line: the statement reads them by id (a primary-key lookup, as
for distinct payment lines), so the cost is that of as many distinct payments.

Floors:

* *floor* a plain GROUP BY per customer of the same receivable lines joined with their reconciliations
  (the rows the payment figures are computed from, no figure computed);
* *recompute*: a whole synchronous recompute of the pyramid on the same data, for scale.

Usage::

    python3 bench/bench_segments.py --db crm_loyalty_bench_100k --customers 100000 --lines 1000000 --reuse
"""

import argparse
import time

from dataset import add_arguments, check_arguments, log, peak_rss_mb, prepare

PAY_SQL = """
WITH lines AS (
    SELECT line.id, line.balance, line.date_maturity, row_number() OVER (ORDER BY line.id) AS idx
      FROM account_move_line line
      JOIN account_move move ON move.id = line.move_id
     WHERE move.company_id = %(company)s AND move.move_type = 'out_invoice' AND move.state = 'posted'
       AND line.display_type = 'payment_term' AND line.balance > 0
),
payments AS (
    -- 80%% of the invoices paid, between 10 days early and 80 days late; 10%% of those in two halves
    SELECT lines.*, part.share, lines.date_maturity + ((lines.idx * 7) %% 91 - 10 + part.extra)::int AS paid_on
      FROM lines
CROSS JOIN LATERAL (VALUES (1.0, 0), (0.5, 30)) part(share, extra)
     WHERE lines.idx %% 5 <> 0 AND (part.extra = 0 OR lines.idx %% 10 = 1)
)
INSERT INTO account_partial_reconcile (debit_move_id, credit_move_id, amount, debit_amount_currency,
                                       credit_amount_currency, debit_currency_id, credit_currency_id,
                                       company_id, max_date, create_uid, create_date, write_uid, write_date)
SELECT id, %(payment_line)s,
       ROUND(balance * CASE WHEN idx %% 10 = 1 THEN 0.5 ELSE 1 END, 2),
       ROUND(balance * CASE WHEN idx %% 10 = 1 THEN 0.5 ELSE 1 END, 2),
       ROUND(balance * CASE WHEN idx %% 10 = 1 THEN 0.5 ELSE 1 END, 2),
       %(currency)s, %(currency)s, %(company)s, LEAST(paid_on, CURRENT_DATE), 1, now(), 1, now()
  FROM payments
"""

FLOOR_SQL = """
SELECT move.commercial_partner_id, COUNT(*), SUM(line.balance), SUM(partial.amount)
  FROM account_move_line line
  JOIN account_move move ON move.id = line.move_id
  LEFT JOIN account_partial_reconcile partial ON partial.debit_move_id = line.id
 WHERE move.company_id = %(company)s AND move.move_type = 'out_invoice' AND move.state = 'posted'
   AND line.display_type = 'payment_term'
 GROUP BY move.commercial_partner_id
"""


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    args = parser.parse_args()
    check_arguments(parser, args)
    registry, counts, _generation = prepare(args)
    from odoo import SUPERUSER_ID, api, fields

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        today = fields.Date.context_today(env["res.partner"])
        scores = env["crm.loyalty.score"]
        if not scores.search_count([("company_id", "=", company.id)], limit=1):
            log("no scores yet: a first recompute")
            env["res.partner"].loyalty_recompute(company)
            cr.commit()
        cr.execute("SELECT MIN(id) FROM account_move_line WHERE display_type = 'product'")
        payment_line = cr.fetchone()[0]
        params = {"company": company.id, "currency": company.currency_id.id, "payment_line": payment_line}
        seconds, _ = timed(lambda: cr.execute(PAY_SQL, params))
        log("%s reconciliations inserted in %.1fs", cr.rowcount, seconds)
        cr.execute("ANALYZE account_partial_reconcile")
        floor_seconds, _ = timed(lambda: (cr.execute(FLOOR_SQL, params), cr.fetchall()))
        cr.execute(
            "UPDATE crm_loyalty_score SET payment_grade = NULL, payment_invoice_count = 0 WHERE company_id = %s",
            [company.id],
        )
        first, _ = timed(lambda: scores._loyalty_update_payment_risk(company, today))
        cr.execute("SELECT payment_grade, COUNT(*) FROM crm_loyalty_score GROUP BY 1 ORDER BY 1")
        grades = cr.fetchall()
        again, _ = timed(lambda: scores._loyalty_update_payment_risk(company, today))
        floor_again, _ = timed(lambda: (cr.execute(FLOOR_SQL, params), cr.fetchall()))
        whole, _ = timed(lambda: env["res.partner"].loyalty_recompute(company))
        cr.rollback()

    floor_min = min(floor_seconds, floor_again)
    print()
    print(f"== crm_loyalty issue-12 figures: db {args.db}, {args.customers} customers, {args.lines} lines")
    print(f"data set                 : {counts}")
    print(f"payment grades           : {grades}")
    print(f"{'run':<52} {'time':>9} {'ratio':>16}")
    print(f"{'floor: GROUP BY of receivable lines + reconciliations':<52} {floor_min:>8.2f}s")
    print(f"{'payment risk, every score written':<52} {first:>8.2f}s {first / floor_min:>10.1f}x floor")
    print(f"{'payment risk again, nothing changed':<52} {again:>8.2f}s {again / floor_min:>10.1f}x floor")
    print(f"{'whole recompute (payment risk included)':<52} {whole:>8.2f}s")
    print(f"{'payment risk share of the recompute':<52} {100 * again / whole:>8.1f}%")
    print(f"peak RSS                 : {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
