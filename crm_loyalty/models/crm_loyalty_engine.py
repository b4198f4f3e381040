# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The recompute engine of the customer pyramid.

A run recomputes the pyramid of one company in steps, each short:

``gather``
    brings the sums of the company's posted invoices (``crm.loyalty.move``, one row per invoice) up to
    date: only the invoices posted, changed or deleted since the previous run, and those with a product
    whose cost changed, are read again. The first time (and for a history rebuild) a background run
    reads every invoice, in ranges of invoice ids, each in a read-only transaction (on the PostgreSQL
    replica when Odoo has one) and a committed step of its own;
``history`` (only when asked)
    rebuilds the level history from the invoices as of each month-end of the last N months
    (``crm.loyalty.history``);
``compute``
    reads the sums per customer and day (a background run: in a read-only transaction, on the replica
    when Odoo has one, before its own short transaction), runs the analytics in pandas and copies the
    scores whose values changed since the last run (a hash of their values tells) into the run's
    staging table;
``write``
    one short transaction writes the changed, new and removed scores: readers see the old pyramid or
    the new one, never half of each (the compute step kept the level changes aside);
``log``
    the history rows of the level changes, in a transaction of their own;
``notify``
    to-do activities for the key account changes, in batches;
``finish``
    the after-write-back hooks (helpdesk figures), the counts per level, the staging table dropped,
    and a notification in the web client to whoever asked.

A synchronous run (``loyalty_recompute()``) executes the steps one after the other in the caller's
transaction. A background run is queued and executed by the scheduled action *Customer Loyalty:
process recompute runs*, one committed step per call, reporting its progress to Odoo's scheduler
(``ir.cron._notify_progress``) and on the run.

One run at a time per company: every step's writing transaction holds a PostgreSQL advisory
transaction lock on the company, which PostgreSQL releases when the transaction ends, also when the
process is killed; a run waiting in the queue, reading before its staging or between two steps keeps
the others out through its state.
"""

import ctypes
import ctypes.util
import gc
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 20261124  # first key of pg_try_advisory_xact_lock(int, int); the company id is the second
APPLICATION_PREFIX = "crm_loyalty"
STEP_PROGRESS = {
    "gather": 0.0,
    "history": 10.0,
    "compute": 15.0,
    "write": 60.0,
    "log": 75.0,
    "notify": 85.0,
    "finish": 95.0,
    "done": 100.0,
}
NEXT_STEP = {
    "gather": "history",
    "history": "compute",
    "compute": "write",
    "write": "log",
    "log": "notify",
    "notify": "finish",
    "finish": "done",
}
STALLED_AFTER = 3600  # seconds without progress of a background run nobody is executing
HAND_BACK_AFTER = 5  # seconds: a longer step ends the scheduler's job, which is triggered again at once


try:
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    if not hasattr(_LIBC, "malloc_trim"):  # glibc only
        _LIBC = None
except OSError:
    _LIBC = None


def _release_memory():
    """Give the memory freed by a step back to the system (glibc keeps large freed blocks in the process
    otherwise: a worker that computed a million customers' frames would keep their resident size into its
    next jobs). No-op where glibc's ``malloc_trim`` is not there."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class CrmLoyaltyEngine(models.AbstractModel):
    _name = "crm.loyalty.engine"
    _description = "Customer Loyalty: recompute engine"

    # ------------------------------------------------------------------
    # One run at a time per company
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_acquire(self, company, run=None):
        """Take the company's lock for the current transaction, without waiting; say in the
        connection's application name which run holds it (for the refusal of another one).

        :returns: whether the lock was taken
        """
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", LOCK_NAMESPACE, company.id))
        if not cr.fetchone()[0]:
            return False
        label = f"{APPLICATION_PREFIX}:{run.id if run else 0}:{self.env.uid}:{int(time.time())}"
        cr.execute(SQL("SELECT set_config('application_name', %s, true)", label))
        # a killed client is noticed within a second, also in the middle of a query: its lock goes with it
        cr.execute("SET LOCAL client_connection_check_interval = '1s'")
        return True

    @api.model
    def _loyalty_lock_holder(self, company):
        """``(run id, user id, start timestamp)`` of the transaction that holds the company's lock."""
        # the activity of other sessions is cached for the transaction at its first reading: read it afresh
        self.env.cr.execute("SELECT pg_stat_clear_snapshot()")
        self.env.cr.execute(
            SQL(
                """
                SELECT activity.application_name
                  FROM pg_locks lock
                  JOIN pg_stat_activity activity ON activity.pid = lock.pid
                 WHERE lock.locktype = 'advisory' AND lock.granted
                   AND lock.classid = %s AND lock.objid = %s AND lock.objsubid = 2
                """,
                LOCK_NAMESPACE,
                company.id,
            )
        )
        row = self.env.cr.fetchone()
        parts = (row[0] or "").split(":") if row else []
        if len(parts) != 4 or parts[0] != APPLICATION_PREFIX:
            return None
        return int(parts[1]), int(parts[2]), int(parts[3])

    @api.model
    def _loyalty_active_run(self, company):
        """The background run of ``company`` waiting in the queue or between two steps, if any; a run
        nobody has advanced for an hour (its scheduled action stopped) is marked failed instead."""
        # the state of the company's runs only (runs are read-only for users): callers are the engine,
        # the scheduled actions and the entry points after their group check
        runs = self.env["crm.loyalty.run"].sudo()
        run = runs.search([("company_id", "=", company.id), ("state", "in", ("queued", "running"))], limit=1)
        if run and run.mode == "background" and run.write_date:
            idle = (fields.Datetime.now() - run.write_date).total_seconds()
            if idle > STALLED_AFTER:
                self._loyalty_fail(
                    run, self.env._("Stalled: no step for %(minutes)s minutes.", minutes=int(idle // 60))
                )
                return runs
        return run

    @api.model
    def _loyalty_busy_message(self, company, run=None):
        """The sentence refusing a second run: which run is in progress, who started it and when."""
        if run:
            description = run._loyalty_describe()
        elif holder := self._loyalty_lock_holder(company):
            run_id, user_id, started = holder
            values = {
                "id": run_id,
                # only the name of whoever holds the company, for the refusal's sentence
                "user": self.env["res.users"].sudo().browse(user_id).name or self.env._("the scheduler"),
                "date": fields.Datetime.to_string(datetime.fromtimestamp(started, UTC).replace(tzinfo=None)),
            }
            if run_id:
                description = self.env._("run #%(id)s, started by %(user)s on %(date)s", **values)
            else:
                description = self.env._("a change by %(user)s since %(date)s", **values)
        else:
            description = self.env._("another computation")
        return self.env._(
            "The customer pyramid of %(company)s is already being computed or changed (%(run)s). Try again "
            "when it has ended: Customer Loyalty > Computation Runs shows its progress.",
            company=company.display_name,
            run=description,
        )

    @api.model
    def _loyalty_check_free(self, company, supersede_queued=False):
        """Take the company's lock and check that no run is in progress; refuse with the sentence of
        :meth:`_loyalty_busy_message` otherwise.

        :param supersede_queued: a background run still waiting in the queue (nothing done yet) gives way:
            it is deleted (an immediate run computes the same pyramid with the same settings)
        :returns: the history months the superseded run had to rebuild (0 without)
        """
        if not self._loyalty_acquire(company):
            raise UserError(self._loyalty_busy_message(company))
        active = self._loyalty_active_run(company)
        superseded_history = 0
        if active and supersede_queued and active.state == "queued":
            _logger.info("Queued run %s of company %s superseded by an immediate run", active.id, company.id)
            superseded_history = active.history_months
            active.unlink()
            active = self._loyalty_active_run(company)
        if active:
            raise UserError(self._loyalty_busy_message(company, active))
        return superseded_history

    # ------------------------------------------------------------------
    # Starting runs
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_new_run(self, company, trigger, reference_date, mode, history_months=0):
        # runs are read-only for users: created by the engine for whoever may start one (checked by
        # the public entry points of res.partner)
        return (
            self.env["crm.loyalty.run"]
            .sudo()
            .create(
                {
                    "trigger": trigger,
                    "company_id": company.id,
                    "user_id": self.env.uid,
                    "reference_date": reference_date,
                    "mode": mode,
                    "state": "queued" if mode == "background" else "running",
                    "step": "gather",
                    "history_months": history_months,
                }
            )
        )

    @api.model
    def _loyalty_run_now(self, company, trigger, reference_date, history_months=0):
        """Compute the pyramid of ``company`` now, in the caller's transaction.

        :returns: the run, done or failed (a failure rolls its steps back and keeps the old pyramid)
        :raises UserError: another run of the company is in progress
        """
        # a queued run that had to rebuild the history (after installation) hands it over
        history_months = max(history_months, self._loyalty_check_free(company, supersede_queued=True))
        run = self._loyalty_new_run(company, trigger, reference_date, "sync", history_months)
        self._loyalty_acquire(company, run)  # held already: labels the connection with the run
        started = time.perf_counter()
        try:
            with self.env.cr.savepoint():
                while run.step != "done":
                    self._loyalty_step(run)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # a row the run writes was changed by a transaction committed since this one began (a spend
            # estimate saved meanwhile): not a failure of the run; Odoo retries the request or job in a new
            # transaction, which sees that change
            raise
        except Exception as error:
            self.env.invalidate_all()
            _logger.exception("Customer pyramid recompute failed for company %s", company.id)
            self._loyalty_fail(run, error)
        else:
            run.duration = time.perf_counter() - started
        return run

    @api.model
    def _loyalty_queue(self, company, trigger, reference_date, history_months=0, behind=False):
        """Queue a background run of ``company`` and wake the scheduled action up.

        :param behind: when a run is in progress, queue this one after it instead of refusing (a settings
            change); when a run is still waiting in the queue, that one will do (it reads the settings
            when it starts)
        :raises UserError: another run of the company is in progress (unless ``behind``)
        """
        if behind:
            # the queue computes one run per company at a time, oldest first
            waiting = self._loyalty_active_run(company).filtered(lambda active: active.state == "queued")
            if waiting:
                return waiting
        else:
            self._loyalty_check_free(company)
        run = self._loyalty_new_run(company, trigger, reference_date, "background", history_months)
        # waking the engine's own scheduled action up (ir.cron is for administrators); callers checked the group
        self.env.ref("crm_loyalty.ir_cron_crm_loyalty_process_runs").sudo()._trigger()
        return run

    @api.model
    def _loyalty_queue_first_runs(self):
        """After installation: a background run per company, rebuilding the level history first."""
        engine = self.sudo()  # the installation (superuser): every company
        for company in engine.env["res.company"].search([]):
            engine.with_context(loyalty_trigger="install")._loyalty_queue(
                company, "install", fields.Date.context_today(self), company.loyalty_history_months, behind=True
            )

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_step(self, run, prepared=None):
        """Execute the next step of ``run`` (in the current transaction); ``prepared``: the scores of a
        compute step computed beforehand (:meth:`_loyalty_prepare`)."""
        step = run.step
        _logger.info("Customer pyramid run %s of company %s: step %s", run.id, run.company_id.id, step)
        self._loyalty_tune_session(self.env.cr)
        if step == "gather":
            if not self._loyalty_gather_sums(run):
                return  # more invoices to read
        elif step == "history":
            if not self.env["crm.loyalty.history"]._loyalty_rebuild(run):
                return  # more month-ends to go
        elif step == "compute":
            self._loyalty_compute(run, prepared)
        elif step == "write":
            self._loyalty_write(run)
        elif step == "log":
            self._loyalty_log(run)
        elif step == "notify":
            if not self._loyalty_notify_key_accounts(run):
                return  # more batches to go
        elif step == "finish":
            self._loyalty_finish(run)
        following = NEXT_STEP[step]
        if following == "history" and not run.history_months:
            following = "compute"
        values = {"step": following, "state": "running", "progress": STEP_PROGRESS[following]}
        if following == "done":
            values.update(state="done", date_end=fields.Datetime.now())
        run.write(values)

    @api.model
    def _loyalty_tune_session(self, cr):
        """No JIT compilation for the rest of the transaction: the engine's statements scan whole tables
        once, and compiling them cost more than it saved (60 ms of a 460 ms statement at 100k customers)."""
        cr.execute("SET LOCAL jit = off")

    @api.model
    def _loyalty_fail(self, run, error):
        """Mark ``run`` failed with ``error`` (a sentence, or the exception that stopped it)."""
        if isinstance(error, str):
            message = error
        elif isinstance(error, UserError | ValidationError) and error.args:
            message = error.args[0]
        else:
            message = repr(error)
        self._loyalty_drop_stage(run)
        run.write({"state": "failed", "error": message, "date_end": fields.Datetime.now(), "step": "done"})
        self._loyalty_tell_user(run)

    @api.model
    def _loyalty_tell_user(self, run):
        """A notification in the web client of whoever started a background run, when it ends."""
        if run.mode != "background" or not run.user_id:
            return
        if run.state == "done":
            title, kind = self.env._("Customer pyramid recomputed"), "success"
            message = self.env._(
                "%(company)s: %(count)s customers, %(changes)s level changes, in %(duration).0f s.",
                company=run.company_id.display_name,
                count=run.partner_count,
                changes=run.change_count,
                duration=run.duration,
            )
        else:
            title, kind = self.env._("Customer pyramid recompute failed"), "danger"
            message = run.error
        run.user_id._bus_send(
            "simple_notification", {"title": title, "message": message, "type": kind, "sticky": kind == "danger"}
        )

    # ------------------------------------------------------------------
    # Background processing
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_process_queue(self):
        """One step of the oldest background run whose company is free, then report the progress to
        the scheduler: Odoo calls again at once while steps remain, and every call is committed."""
        self.env.flush_all()
        # Odoo's own crons commit only outside tests (the test transaction must not be committed)
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        # the scheduled action (superuser) executes the runs of every company
        runs = self.env["crm.loyalty.run"].sudo()
        pending = runs.search([("mode", "=", "background"), ("state", "in", ("queued", "running"))], order="id")
        cron = self.env["ir.cron"]
        seen = set()
        for run in pending:
            if run.company_id in seen:
                continue  # an older run of the company goes first
            seen.add(run.company_id)
            if not self._loyalty_acquire(run.company_id, run):
                continue  # a step of this company runs in another transaction
            started = time.perf_counter()
            prepared = None
            try:
                if run.step == "compute" and auto_commit:
                    # the long reading and computing in a read-only transaction of its own, then a short
                    # transaction for the staging: the scheduler's transaction ends first (the run's state
                    # keeps other runs out meanwhile; a run still queued may be superseded: checked after)
                    # (the scheduled action is this engine's own, as Odoo's crons that commit their batches)
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                    prepared = self._loyalty_prepare(run, "background")
                    run.invalidate_recordset()
                    if not (
                        self._loyalty_acquire(run.company_id, run)
                        and run.exists()
                        and run.state in ("queued", "running")
                        and run.step == "compute"
                    ):
                        cron._notify_progress(done=0, remaining=0)
                        return
                with self.env.cr.savepoint():
                    self._loyalty_step(run, prepared)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
                # the step met a row changed by a transaction committed since this one began (a spend
                # estimate saved meanwhile): rolled back to its savepoint, the step starts again in a new
                # transaction (the scheduler commits this one first), which sees that change
                self.env.invalidate_all()
                _logger.info("Customer pyramid run %s: step %s retried after %s", run.id, run.step, error)
                self.env.ref("crm_loyalty.ir_cron_crm_loyalty_process_runs")._trigger()
                cron._notify_progress(done=0, remaining=0)
                return
            except Exception as error:
                self.env.invalidate_all()
                _logger.exception("Customer pyramid run %s failed", run.id)
                self._loyalty_fail(run, error)
            else:
                run.duration += time.perf_counter() - started
                if run.step == "done":
                    self._loyalty_tell_user(run)
            finally:
                prepared = None
                _release_memory()
            remaining = runs.search_count([("mode", "=", "background"), ("state", "in", ("queued", "running"))])
            if remaining and time.perf_counter() - started > HAND_BACK_AFTER:
                # Odoo's scheduler calls a job again at once up to 10 times within one unit of work of the
                # cron worker, and limit_time_cpu / limit_time_real apply to that unit as a whole: after a
                # long step, end the job and wake it up again, so that each long step gets the limits to itself
                self.env.ref("crm_loyalty.ir_cron_crm_loyalty_process_runs")._trigger()
                remaining = 0
            cron._notify_progress(done=1, remaining=remaining)
            return
        if pending:
            # every pending run's company is busy with a step elsewhere: look again in a minute
            self.env.ref("crm_loyalty.ir_cron_crm_loyalty_process_runs")._trigger(
                fields.Datetime.now() + timedelta(minutes=1)
            )
        else:
            self._loyalty_drop_orphan_stages()
        cron._notify_progress(done=0, remaining=0)

    # ------------------------------------------------------------------
    # Staging table of a run
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_stage_table(self, run):
        return SQL.identifier(f"crm_loyalty_stage_{int(run.id)}")

    @api.model
    def _loyalty_changes_table(self, run):
        """The level changes of a run, between its switch and its history rows."""
        return SQL.identifier(f"crm_loyalty_stage_{int(run.id)}_changes")

    @api.model
    def _loyalty_drop_stage(self, run):
        self.env.cr.execute(
            SQL("DROP TABLE IF EXISTS %s, %s", self._loyalty_stage_table(run), self._loyalty_changes_table(run))
        )

    @api.model
    def _loyalty_drop_orphan_stages(self):
        """Staging tables of runs that ended or no longer exist (e.g. a failed rollback)."""
        self.env.cr.execute(
            """SELECT tablename FROM pg_tables WHERE tablename ~ '^crm_loyalty_stage_[0-9]+(_changes|_moves)?$'"""
        )
        names = {row[0]: int(row[0].split("_")[3]) for row in self.env.cr.fetchall()}
        if not names:
            return
        # runs of every company, ids only: called by the scheduled action (superuser), no data reaches a user
        active = set(
            self.env["crm.loyalty.run"]
            .sudo()
            .search([("id", "in", list(names.values())), ("state", "in", ("queued", "running"))])
            .ids
        )
        for name, run_id in names.items():
            if run_id not in active:
                self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(name)))
