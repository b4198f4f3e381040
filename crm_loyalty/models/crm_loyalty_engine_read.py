# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Engine, reading: the invoices, contacts and pipeline a run needs, through the run's reader."""

import contextlib
import tempfile

import numpy as np
import pandas as pd

from odoo import api, models
from odoo.tools import SQL

from . import crm_loyalty_move as move_module

DAY_COLUMNS = ["partner_id", "day", "amount", "cost", "discount_weighted", "discount_base"]
MOVE_DAY_COLUMNS = ["partner_id", "day", "invoices", "refunds"]
SUM_COLUMNS = [*DAY_COLUMNS, "lines", "invoices", "refunds"]
STEP_PROGRESS_GATHER = 10.0  # percent of a run for the first reading of the invoices


class CrmLoyaltyEngine(models.AbstractModel):
    _inherit = "crm.loyalty.engine"  # pylint: disable=consider-merging-classes-inherited

    @contextlib.contextmanager
    def _loyalty_reader(self, run, mode=None):
        """The environment the invoices are read with: the caller's for a synchronous run (it sees the
        caller's own changes); for a background run one read-only transaction, on the PostgreSQL
        replica when Odoo has one (``db_replica_host``), so that the primary only takes the writes."""
        if (mode or run.mode) == "sync":
            self.env["crm.loyalty.invoice"]._loyalty_flush()
            yield self.env
            return
        # Odoo's cursors are REPEATABLE READ: every query of the gathering sees the same snapshot
        self.env.flush_all()
        with self.env.registry.cursor(readonly=True) as cr:
            self.env["crm.loyalty.engine"]._loyalty_tune_session(cr)
            yield self.env(cr=cr)

    @api.model
    def _loyalty_gather_sums(self, run):
        """The ``gather`` step: bring the sums of the company's invoices (``crm.loyalty.move``) up to date,
        in this transaction (the run holds the company's lock).

        The first time (no sums yet for the company, or a history rebuild, which starts from the invoices
        again), a background run reads them in ranges of ``BUILD_MOVES`` invoice ids, each in a read-only
        transaction (on the replica when there is one) and one committed step, then catches up with what
        changed meanwhile; otherwise only the invoices changed since the previous run are read.

        :returns: whether the sums are up to date (else more ranges to go)
        """
        moves = self.env["crm.loyalty.move"]
        company = run.company_id
        first_call = not run.gathered_to
        if first_call and run.history_months:
            moves._loyalty_clear(company)
        if run.mode == "background" and (run.gathered_to or not moves._loyalty_has_sums(company)):
            if first_call:
                # costs remembered before the invoices are read: a cost changed meanwhile is caught up below
                self.env["crm.loyalty.move.cost"]._loyalty_remember(company)
            with tempfile.TemporaryFile(mode="w+b") as handle:
                with self._loyalty_reader(run) as env:
                    env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move")
                    last = env.cr.fetchone()[0]
                    start = run.gathered_to + 1
                    end = min(start + move_module.BUILD_MOVES - 1, last)
                    if start <= end:
                        moves._loyalty_read_range(env, company, start, end, handle)
                moves._loyalty_insert_read(handle)
            run.write(
                {
                    "gathered_to": max(end, 1),
                    "progress": STEP_PROGRESS_GATHER * min(end, last) / max(last, 1),
                }
            )
            if end < last:
                return False
        moves._loyalty_sync(company)
        return True

    @api.model
    def _loyalty_gather(self, env, company, date_to):
        """Everything the pyramid needs up to ``date_to``, read with ``env``'s cursor from the sums of the
        invoices (brought up to date by :meth:`_loyalty_gather_sums`): amounts per customer and day, invoices
        and credit notes per customer and day, customer contacts, customers in the pipeline."""
        sums = env["crm.loyalty.invoice"]._loyalty_read_frame(
            env.cr,
            env["crm.loyalty.move"]._loyalty_rows_query(company, date_to),
            SUM_COLUMNS,
            dates=["day"],
            integers=["partner_id", "lines", "invoices", "refunds"],
        )
        if len(sums):
            # add up the customers' days with more than one invoice (one int64 key per row)
            key = sums["partner_id"].to_numpy() * 100_000 + sums["day"].to_numpy().astype("datetime64[D]").astype(
                np.int64
            )
            repeated = pd.Series(key).duplicated(keep=False).to_numpy()
            if repeated.any():
                groups = sums[repeated].groupby(key[repeated], sort=False)
                merged = groups.sum(numeric_only=True)
                merged["partner_id"] = groups["partner_id"].first()
                merged["day"] = groups["day"].first()
                sums = pd.concat([sums[~repeated], merged[SUM_COLUMNS]], ignore_index=True)
        # days with product lines only, as the lines give them; every day with an invoice for the counts
        days = sums.loc[sums["lines"].to_numpy() > 0, DAY_COLUMNS].reset_index(drop=True)
        move_days = sums[MOVE_DAY_COLUMNS]
        del sums
        return {
            "days": days,
            "move_days": move_days,
            "contacts": env["res.partner"]._loyalty_contact_ids(company),
            "pipeline": env["crm.lead"]._loyalty_pipeline_partner_ids(company),
            # the levels of the previous run: a customer at the edge of a cut keeps its level (no flip-flop)
            "levels": env["crm.loyalty.score"]._loyalty_computed_levels(company),
        }

    @api.model
    def _loyalty_gather_for(self, run, mode=None):
        """:meth:`_loyalty_gather` for ``run``: a synchronous run reads in the caller's transaction, a
        background run in a read-only one (on the replica when there is one, if the replica has already
        seen the end of the run's ``gather`` step; otherwise on the primary)."""
        if (mode or run.mode) != "sync":
            with self._loyalty_reader(run, mode) as env:
                env.cr.execute(SQL("SELECT step FROM crm_loyalty_run WHERE id = %s", run.id))
                seen = env.cr.fetchone()
                if seen and seen[0] not in (False, None, "gather"):
                    reader_run = run.with_env(env)
                    return self._loyalty_gather(env, reader_run.company_id, reader_run.reference_date)
        self.env["crm.loyalty.move"].flush_model()
        return self._loyalty_gather(self.env, run.company_id, run.reference_date)
