# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the figures of issue 12 cost on the benchmark data set (``dataset.py``): the payment-risk update
of every score (its set-based statement over the receivable lines and their reconciliations) and the
lifetime-value backtest of a run, each printed beside its floor, measured in the same run.

The data set's invoices are all open: this script first reconciles 80% of the invoices' receivable lines
with a payment, paid between 10 days early and 80 days late (and 10% of those in two halves), with
set-based SQL in the benchmark's transaction, and rolls everything back at the end. The partial
reconciliations all point at one payment line: the statement reads them by id (a primary-key lookup, as
for distinct payment lines), so the cost is that of as many distinct payments.

Floors:

* *floor* a plain GROUP BY per customer of the same receivable lines joined with their reconciliations
  (the rows the payment figures are computed from, no figure computed);
* *recompute*: a whole synchronous recompute of the pyramid on the same data, for scale;
* segments: *floor* a plain read of the columns the bands come from (every score joined with its contact);
  the statement sets the bands and the contact's segments of every score, then again with nothing changed;
* backtest: *floor* the lifetime-value work of a run on the same gathered data (the RFM table, the BG/NBD fit
  and its predictions as of the run's date): a backtest does that work once, as of its cut-off, then counts
  the holdout and rebuilds the levels at the cut-off.

Usage::

    python3 bench/bench_segments.py --db crm_loyalty_bench_100k --customers 100000 --lines 1000000 --reuse
"""

import argparse
import functools

from dataset import add_arguments, best, check_arguments, log, peak_rss_mb, prepare

timed = functools.partial(best, repeat=1)  # one timing: ``(seconds, result)``


def lifetime_floor(days, today):
    """The model work of a run: RFM as of ``today``, BG/NBD fit, P(alive) and expected purchases."""
    from odoo.addons.crm_loyalty.loyalty_analytics import (
        bgnbd_expected_purchases,
        bgnbd_probability_alive,
        fit_bgnbd,
        rfm_from_transactions,
    )

    rfm = rfm_from_transactions(days[days["amount"] > 0], "partner_id", "day", "amount", today)
    params = fit_bgnbd(rfm["frequency"], rfm["recency"], rfm["T"])
    args = (rfm["frequency"], rfm["recency"], rfm["T"])
    return bgnbd_probability_alive(params, *args).sum() + bgnbd_expected_purchases(params, 26.0, *args).sum()


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

SEGMENT_FLOOR_SQL = """
SELECT score.id, score.first_invoice_date, score.revenue_window, score.clv, partner.loyalty_employee_count,
       partner.user_id, partner.industry_id, partner.country_id, partner.state_id
  FROM crm_loyalty_score score
  JOIN res_partner partner ON partner.id = score.partner_id
 WHERE score.company_id = %(company)s
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
        # segments: every score's bands and contact segments set, then again with nothing changed
        cr.execute("UPDATE res_partner SET loyalty_employee_count = (id % 500) WHERE id % 3 = 0")
        cr.execute(
            "UPDATE crm_loyalty_score SET tenure_band_id = NULL, volume_band_id = NULL, size_band_id = NULL, "
            "clv_band_id = NULL, user_id = NULL, industry_id = NULL, country_id = NULL WHERE company_id = %s",
            [company.id],
        )
        segment_floor = min(
            timed(lambda: (cr.execute(SEGMENT_FLOOR_SQL, params), cr.fetchall()))[0] for _repeat in range(2)
        )
        segments_first, segments_written = timed(lambda: scores._loyalty_update_bands(company, today))
        segments_again, segments_rewritten = timed(lambda: scores._loyalty_update_bands(company, today))
        # the backtest: on the data a run gathers, beside the run's own model work
        engine, backtests = env["crm.loyalty.engine"], env["crm.loyalty.backtest"]
        data = engine._loyalty_gather(env, company, today)
        backtests.search([("company_id", "=", company.id)]).unlink()
        model_floor = min(timed(lambda: lifetime_floor(data["days"], today))[0] for _repeat in range(2))
        backtest_seconds, values = timed(lambda: backtests._loyalty_prepare(company, data, today))
        backtest = backtests.create(values)
        reused_seconds, reused = timed(lambda: backtests._loyalty_prepare(company, data, today))
        assert reused == backtest.id
        backtest_figures = (
            f"{backtest.state}, {backtest.customers} customers, predicted {backtest.predicted_total:.0f} vs "
            f"actual {backtest.actual_total:.0f} purchases, MAE {backtest.mae:.3f} (naive {backtest.mae_naive:.3f}), "
            f"AUC P(alive) {backtest.auc:.3f} / repeat buyers {backtest.auc_repeat:.3f} / expected "
            f"{backtest.auc_expected:.3f}, degenerate {backtest.degenerate}"
        )
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
    print(f"{'whole recompute (payment risk, segments; backtest reused)':<52} {whole:>8.2f}s")
    print(f"{'payment risk share of the recompute':<52} {100 * again / whole:>8.1f}%")
    print(f"{'floor: read of the scores and their contacts':<52} {segment_floor:>8.2f}s")
    print(
        f"{'segments, every score written (' + str(segments_written) + ')':<52} {segments_first:>8.2f}s "
        f"{segments_first / segment_floor:>10.1f}x floor"
    )
    print(
        f"{'segments again, nothing changed (' + str(segments_rewritten) + ')':<52} {segments_again:>8.2f}s "
        f"{segments_again / segment_floor:>10.1f}x floor"
    )
    label = "floor: a run's model work (RFM, fit, predictions)"
    print(f"{label:<52} {model_floor:>8.2f}s")
    print(
        f"{'backtest (RFM at cut-off, fit, holdout, levels)':<52} {backtest_seconds:>8.2f}s "
        f"{backtest_seconds / model_floor:>10.1f}x floor"
    )
    print(f"{'backtest reused (a run of the same week)':<52} {reused_seconds:>8.3f}s")
    print(f"{'backtest beside the recompute (when computed)':<52} {100 * backtest_seconds / whole:>8.1f}%")
    print(f"backtest                 : {backtest_figures}")
    print(f"peak RSS                 : {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
