# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import time
from datetime import datetime

import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..loyalty_analytics import RANKED_CODES
from ..loyalty_analytics.kpi import levels_at
from .crm_loyalty_engine import STEP_PROGRESS
from .loyalty_search import unsearchable

HISTORY_BATCH_SECONDS = 20  # a background rebuild commits its month-ends in steps of about this long
HISTORY_REASONS = [
    ("scheduled", "Scheduled"),
    ("server_action", "Server Action"),
    ("manual", "Manual"),
    ("at_risk", "At Risk (P(alive))"),
    ("install", "Installation"),
    ("settings", "Settings Change"),
    ("rebuild", "Rebuilt from Invoices"),
]


class CrmLoyaltyHistory(models.Model):
    _name = "crm.loyalty.history"
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.search.mixin"]
    _check_company_auto = True
    _description = "Customer Pyramid Level Change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)  # few values: the date index serves
    level_from_id = fields.Many2one(
        "crm.loyalty.level", string="From Level", ondelete="set null", readonly=True, check_company=True
    )
    level_to_id = fields.Many2one(
        "crm.loyalty.level", string="To Level", ondelete="set null", readonly=True, check_company=True
    )
    direction = fields.Selection(
        [("new", "New"), ("up", "Upgrade"), ("down", "Downgrade"), ("same", "Same"), ("removed", "Removed")],
        compute="_compute_direction",
        search=unsearchable("direction"),
    )
    reason = fields.Selection(HISTORY_REASONS, required=True, readonly=True)
    note = fields.Text(readonly=True)
    run_id = fields.Many2one("crm.loyalty.run", string="Run", ondelete="set null", readonly=True, check_company=True)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user, readonly=True)

    @api.depends("level_from_id.sequence", "level_to_id.sequence")
    def _compute_direction(self):
        for change in self:
            if not change.level_from_id:
                change.direction = "new"
            elif not change.level_to_id:
                change.direction = "removed"
            elif change.level_to_id.sequence < change.level_from_id.sequence:
                change.direction = "up"
            elif change.level_to_id.sequence > change.level_from_id.sequence:
                change.direction = "down"
            else:
                change.direction = "same"

    def init(self):
        super().init()
        # the reader of levels at a date (:meth:`_loyalty_history_slice`): the company's rows by customer and date,
        # with their level, read from the index alone
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS crm_loyalty_history_levels_at_index
                   ON crm_loyalty_history (company_id, partner_id, date, id) INCLUDE (level_to_id)"""
        )

    @api.model
    def _loyalty_history_slice(self, company, dates, readable=False):
        """The rows of the level history of ``company`` that decide every customer's level at the end of each
        of ``dates`` and whether it was ever active by then: per customer, its last row up to each date, its
        last row of all and its first row at a ranked level. The history's one reader of levels at a date: the
        KPIs, the economics, the migration, the annual plans and the workbook read this frame with the
        functions of :mod:`~..loyalty_analytics.kpi` (``levels_at``, ``period_kpis``, ``new_customers``) as
        they would read the whole history, and get the same answers.

        Each of those rows is picked in SQL by a ``DISTINCT ON`` over the index of the company's rows by
        customer and date, which carries the level: an index-only scan per date, and only the rows picked
        travel to Python (no whole history loaded and replayed).

        :param readable: only the rows the user's record rules let them read (what a figure shown to that user
            is computed from); otherwise every row, for the figures computed as the company's
        :returns: DataFrame ``partner_id``, ``date``, ``level_code`` (None when the customer left the pyramid),
            oldest first, as :meth:`_loyalty_history_frame`
        """
        self.flush_model()
        cutoffs = sorted({datetime.combine(fields.Date.to_date(day), datetime.min.time()) for day in dates})
        ranked = [
            level.id
            for code, level in self.env["crm.loyalty.level"]._loyalty_levels_by_code(company).items()
            if code in RANKED_CODES
        ]
        # each customer's last row before each cutoff (the end of each date), and its last row of all
        lasts = [
            SQL(
                """(SELECT DISTINCT ON (step.partner_id) step.id, step.partner_id, step.date, step.level_to_id
                      FROM crm_loyalty_history step
                     WHERE step.company_id = %s AND step.date < %s
                  ORDER BY step.partner_id DESC, step.date DESC, step.id DESC)""",
                company.id,
                SQL("%s::timestamp + INTERVAL '1 day'", cutoff) if cutoff else SQL("'infinity'::timestamp"),
            )
            for cutoff in [*cutoffs, None]
        ]
        # and its first row at a ranked level (whether it was ever active by a date)
        first = SQL(
            """(SELECT DISTINCT ON (step.partner_id) step.id, step.partner_id, step.date, step.level_to_id
                  FROM crm_loyalty_history step
                 WHERE step.company_id = %s AND step.level_to_id = ANY(%s)
              ORDER BY step.partner_id, step.date, step.id)""",
            company.id,
            ranked,
        )
        rows = SQL()
        if readable and not self.env.su:
            rows = SQL("WHERE picked.id IN %s", self._search([("company_id", "=", company.id)]).subselect())
        query = SQL(
            """
            SELECT picked.partner_id, EXTRACT(EPOCH FROM picked.date), COALESCE(picked.level_to_id, 0)
              FROM (%s) picked
                   %s
          ORDER BY picked.date, picked.id
            """,
            SQL(" UNION ").join([*lasts, first]),
            rows,
        )
        return self._loyalty_frame_of(company, query)

    @api.model
    def _loyalty_frame_of(self, company, query):
        """The history frame of the rows of ``query`` (``partner_id``, epoch seconds, level id or 0), read
        through COPY: levels as ids and dates as epoch seconds, no Python tuple, datetime or string per row."""
        frame = self.env["crm.loyalty.invoice"]._loyalty_read_frame(
            self.env.cr, query, ["partner_id", "epoch", "level_id"], integers=["partner_id", "level_id"]
        )
        codes = self.env["crm.loyalty.level"]._loyalty_codes_by_id(company)
        return pd.DataFrame(
            {
                "partner_id": frame["partner_id"],
                "date": pd.to_datetime(frame["epoch"], unit="s").dt.round("us"),
                "level_code": frame["level_id"].map(codes).astype(object).where(frame["level_id"] > 0, None),
            }
        )

    @api.model
    def _loyalty_history_frame(self, company, readable=False):
        """Every level change of ``company``, oldest first: DataFrame ``partner_id``, ``date``,
        ``level_code`` (None when the customer left the pyramid). The whole history: for the tests that
        check :meth:`_loyalty_history_slice` against it; the figures read the slice.

        :param readable: only the rows the user's record rules let them read (what a figure shown to that user
            is computed from); otherwise every row, for the figures computed as the company's
        """
        self.flush_model()
        rows = SQL()
        if readable and not self.env.su:
            rows = SQL("AND history.id IN %s", self._search([("company_id", "=", company.id)]).subselect())
        return self._loyalty_frame_of(
            company,
            SQL(
                """
                SELECT history.partner_id, EXTRACT(EPOCH FROM history.date), COALESCE(history.level_to_id, 0)
                  FROM crm_loyalty_history history
                 WHERE history.company_id = %s %s
              ORDER BY history.date, history.id
                """,
                company.id,
                rows,
            ),
        )

    # ------------------------------------------------------------------
    # History rebuilt from the invoices
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_month_ends(self, reference_date, months):
        """The last day of each of the ``months`` months before the month of ``reference_date``, oldest first."""
        first = reference_date.replace(day=1)
        return [first - relativedelta(months=back - 1) - relativedelta(days=1) for back in range(months, 0, -1)]

    @api.model
    def _loyalty_rebuild(self, run):
        """Rebuild the level history of the run's company from the invoices: the level of every customer at
        each month-end of the run's ``history_months`` months, as the pyramid would have been computed that
        day, dated 23:00 that day (reason *Rebuilt from Invoices*). Manual overrides and their history rows
        are kept: an override in force counts from its date. The rebuilt history ends on the customers'
        current levels, so that the run's own changes follow it.

        A background run rebuilds the months in batches of about ``HISTORY_BATCH_SECONDS`` (one committed
        step each, ``run.history_done`` counts the month-ends done); a synchronous run all at once.

        :returns: whether every month is done
        """
        started = time.perf_counter()
        company = run.company_id
        engine = self.env["crm.loyalty.engine"]
        level_ids = {
            code: level.id for code, level in self.env["crm.loyalty.level"]._loyalty_levels_by_code(company).items()
        }
        data = engine._loyalty_gather_for(run)
        self.flush_model()
        self.env["crm.loyalty.score"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT partner_id, level_id, override_level_id, override_date
                     FROM crm_loyalty_score WHERE company_id = %s""",
                company.id,
            )
        )
        scores = pd.DataFrame(
            self.env.cr.fetchall(), columns=["partner_id", "level_id", "override_level_id", "override_date"]
        ).set_index("partner_id")
        overrides = scores[scores["override_level_id"].notna()]

        def levels_at(month_end, previous):
            """(levels as ids, notes) at ``month_end``, from the codes of the month-end before."""
            codes, notes = engine._loyalty_levels_at(company, data, month_end, previous=previous)
            levels = codes.map(level_ids).astype("float64")
            since = overrides[pd.to_datetime(overrides["override_date"]).dt.date <= month_end]
            forced = since.index.intersection(levels.index)
            if len(forced):
                levels.loc[forced] = since.loc[forced, "override_level_id"].astype("float64")
                notes.loc[forced] = None
            return levels, codes, notes

        month_ends = self._loyalty_month_ends(run.reference_date, run.history_months)
        done = run.history_done
        if not done:
            self.env.cr.execute(
                SQL("DELETE FROM crm_loyalty_history WHERE company_id = %s AND reason != 'manual'", company.id)
            )
        rows = []
        # month after month, each from the levels of the month before (no flip-flop), as the nightly runs do;
        # a background rebuild resumed in a new step starts again from the levels its last step wrote
        previous = pd.Series(dtype="float64")
        codes = None
        if done:
            codes = self._loyalty_rebuilt_levels(company, month_ends[done - 1])
            previous = codes.map(level_ids).astype("float64")
        for month_end in month_ends[done:]:
            levels, codes, notes = levels_at(month_end, codes)
            stamp = datetime.combine(month_end, datetime.min.time()).replace(hour=23)
            rows.append(self._loyalty_changes(previous, levels, stamp, notes))
            previous = levels
            done += 1
            if run.mode == "background" and time.perf_counter() - started > HISTORY_BATCH_SECONDS:
                break
        if done == len(month_ends):
            # customers already scored continue from their current level (the run's write step compares
            # with it); the others from their last rebuilt level
            current = scores["level_id"].astype("float64")
            rows.append(
                self._loyalty_changes(previous.reindex(current.index).dropna(), current.dropna(), fields.Datetime.now())
            )
        self._loyalty_insert_rebuilt(run, pd.concat(rows, ignore_index=True) if rows else pd.DataFrame())
        run.write(
            {
                "history_done": done,
                "change_count": run.change_count + sum(len(frame) for frame in rows),
                "progress": STEP_PROGRESS["history"]
                + (STEP_PROGRESS["compute"] - STEP_PROGRESS["history"]) * done / len(month_ends),
            }
        )
        return done == len(month_ends)

    @api.model
    def _loyalty_rebuilt_levels(self, company, month_end):
        """Level code per customer (Series indexed by partner id) in the history at the end of ``month_end``
        (customers who left: none), read through the history's one reader of levels at a date."""
        return levels_at(self._loyalty_history_slice(company, [month_end]), month_end)

    @api.model
    def _loyalty_insert_rebuilt(self, run, changes):
        if changes.empty:
            return
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_loyalty_history (date, partner_id, company_id, level_from_id, level_to_id, reason,
                                                 note, run_id, user_id, create_uid, create_date, write_uid,
                                                 write_date)
                SELECT changes.date, changes.partner, %(company)s, changes.level_from, changes.level_to, 'rebuild',
                       changes.note, %(run)s, %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s,
                       NOW() AT TIME ZONE 'UTC'
                  FROM UNNEST(%(dates)s::timestamp[], %(partners)s::int[], %(from)s::int[], %(to)s::int[],
                              %(notes)s::text[])
                    AS changes(date, partner, level_from, level_to, note)
                 WHERE EXISTS (SELECT 1 FROM res_partner partner WHERE partner.id = changes.partner)
                """,
                company=run.company_id.id,
                run=run.id,
                uid=self.env.uid,
                dates=changes["date"].tolist(),
                partners=changes["partner_id"].astype(int).tolist(),
                notes=[None if note is None or pd.isna(note) else note for note in changes["note"]],
                **{
                    "from": [None if pd.isna(v) else int(v) for v in changes["level_from"]],
                    "to": [None if pd.isna(v) else int(v) for v in changes["level_to"]],
                },
            )
        )
        self.invalidate_model()

    @api.model
    def _loyalty_changes(self, before, after, stamp, notes=None):
        """History rows (DataFrame ``date``, ``partner_id``, ``level_from``, ``level_to``, ``note``) from the
        levels ``before`` to the levels ``after`` (Series partner id -> level id), with the ``notes`` (Series
        partner id -> why) of the customers that have one."""
        partners = before.index.union(after.index)
        old = before.reindex(partners)
        new = after.reindex(partners)
        moved = ~((old == new) | (old.isna() & new.isna()))
        note = notes.reindex(partners[moved.to_numpy()]).to_numpy(dtype=object) if notes is not None else None
        return pd.DataFrame(
            {
                "date": stamp,
                "partner_id": partners[moved.to_numpy()],
                "level_from": old[moved].to_numpy(),
                "level_to": new[moved].to_numpy(),
                "note": note,
            }
        )
