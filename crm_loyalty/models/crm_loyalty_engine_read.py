# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Engine, reading: the invoices, contacts and pipeline a run needs, through the run's reader."""

import contextlib

import numpy as np
import pandas as pd

from odoo import api, models

DAY_COLUMNS = ["partner_id", "day", "amount", "cost", "discount_weighted", "discount_base"]
MOVE_DAY_COLUMNS = ["partner_id", "day", "invoices", "refunds"]
GATHER_LINES = 2_500_000  # invoice line ids read per read-only transaction by a background run


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
            yield self.env(cr=cr)

    @api.model
    def _loyalty_empty_days(self):
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in DAY_COLUMNS}).astype(
            {"partner_id": "int64", "day": "datetime64[ns]"}
        )

    @api.model
    def _loyalty_gather(self, env, company, date_to, lines=True):
        """Everything the pyramid needs up to ``date_to``, read with ``env``'s cursor: invoice amounts per
        customer and day (one scan of the lines; not with ``lines=False``), invoices and credit notes per
        customer and day, customer contacts, customers in the pipeline."""
        invoices = env["crm.loyalty.invoice"]
        days = None
        if lines:
            days = invoices._loyalty_read_frame(
                env.cr,
                invoices._loyalty_day_query(company, date_to),
                DAY_COLUMNS,
                dates=["day"],
                integers=["partner_id"],
            )
        move_days = invoices._loyalty_read_frame(
            env.cr,
            invoices._loyalty_move_day_query(company, date_to),
            MOVE_DAY_COLUMNS,
            dates=["day"],
            integers=["partner_id", "invoices", "refunds"],
        )
        return {
            "days": days,
            "move_days": move_days,
            "contacts": env["res.partner"]._loyalty_contact_ids(company),
            "pipeline": env["crm.lead"]._loyalty_pipeline_partner_ids(company),
        }

    @api.model
    def _loyalty_gather_for(self, run, mode=None):
        """:meth:`_loyalty_gather` for ``run``. A synchronous run reads in the caller's transaction. A
        background run reads the invoice lines in id ranges of ``GATHER_LINES`` lines, each in a read-only
        transaction of its own (on the replica when there is one), and adds up the partial sums per
        customer and day; the invoices, contacts and pipeline in one more. No transaction of the
        gathering lasts long, whatever the size of the company."""
        if (mode or run.mode) == "sync":
            with self._loyalty_reader(run, mode) as env:
                return self._loyalty_gather(env, run.company_id, run.reference_date)
        with self._loyalty_reader(run, mode) as env:
            reader_run = run.with_env(env)
            company_id, date_to = reader_run.company_id.id, reader_run.reference_date
            data = self._loyalty_gather(env, reader_run.company_id, date_to, lines=False)
            env.cr.execute("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM account_move_line")
            first, last = env.cr.fetchone()
        parts = []
        for start in range(first, last + 1, GATHER_LINES):
            with self._loyalty_reader(run, mode) as env:
                invoices = env["crm.loyalty.invoice"]
                query = invoices._loyalty_day_query(
                    env["res.company"].browse(company_id), date_to, (start, min(start + GATHER_LINES - 1, last))
                )
                parts.append(
                    invoices._loyalty_read_frame(env.cr, query, DAY_COLUMNS, dates=["day"], integers=["partner_id"])
                )
        days = pd.concat(parts, ignore_index=True) if parts else self._loyalty_empty_days()
        del parts
        if len(days):
            # a customer's day may straddle two ranges: add up those rows only (one int64 key per row)
            key = days["partner_id"].to_numpy() * 100_000 + days["day"].to_numpy().astype("datetime64[D]").astype(
                np.int64
            )
            repeated = pd.Series(key).duplicated(keep=False).to_numpy()
            if repeated.any():
                sums = days[repeated].groupby(key[repeated], sort=False)
                merged = sums.sum(numeric_only=True)
                merged["partner_id"] = sums["partner_id"].first()
                merged["day"] = sums["day"].first()
                days = pd.concat([days[~repeated], merged[DAY_COLUMNS]], ignore_index=True)
        data["days"] = days
        return data
