# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The recompute engine: background runs and their progress, one run at a time per company (two real
connections, a killed process), consistent readers, history from day one, only changed rows written."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import closing
from datetime import date, timedelta
from unittest.mock import patch

import psycopg2
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..loyalty_analytics.kpi import levels_at
from ..models import crm_loyalty_engine as engine_module
from ..models import crm_loyalty_history as history_module
from .common import LoyaltyCommon

HOLD_LOCK = """
import json, sys, time
import odoo
from odoo import SUPERUSER_ID, api
odoo.tools.config.parse_config([*json.loads(sys.argv[1]), "--log-level=warn"])
registry = odoo.modules.registry.Registry(sys.argv[2])
with registry.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["crm.loyalty.engine"]._loyalty_acquire(env["res.company"].browse(int(sys.argv[3])))
    print("locked", flush=True)
    time.sleep(120)
"""


@tagged("post_install", "-at_install")
class TestEngineConcurrency(LoyaltyCommon):
    """Against the committed demo company, from connections of their own (not the test transaction)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.main = cls.env.ref("base.main_company")
        cls.su = cls.env(su=True)

    def _connection(self):
        return closing(odoo.sql_db.db_connect(self.env.cr.dbname).cursor())

    def _in_thread(self, work):
        """Run ``work(env)`` in a thread on a connection of its own; it gets ``(ready, release)`` events:
        it sets ``ready`` when it holds what the test needs, and rolls back once ``release`` is set."""
        ready, release, outcome = threading.Event(), threading.Event(), {}

        def target():
            try:
                with self._connection() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    outcome["value"] = work(env)
                    ready.set()
                    release.wait(30)
                    cr.rollback()
            except Exception as error:
                outcome["error"] = error
                ready.set()

        thread = threading.Thread(target=target)
        thread.start()
        self.assertTrue(ready.wait(60), "the other connection did not get ready")
        self.assertNotIn("error", outcome, outcome.get("error"))
        self.addCleanup(thread.join)
        self.addCleanup(release.set)
        return outcome["value"], release

    def _levels_committed(self):
        """Scores per level of the demo company as other transactions see them."""
        with self._connection() as cr:
            cr.execute(
                "SELECT level_id, COUNT(*) FROM crm_loyalty_score WHERE company_id = %s GROUP BY level_id",
                [self.main.id],
            )
            return dict(cr.fetchall())

    def _hold_run(self, env):
        """In the other connection: an immediate run of the demo company, as of seven months ago (many levels
        change), done but not committed: its transaction holds the company and the new scores."""
        run = env["res.partner"].loyalty_recompute(
            env.ref("base.main_company"), date=date.today() - timedelta(days=210)
        )
        return run.id, run.change_count

    def test_second_run_refused_at_once(self):
        (run_id, _changes), _release = self._in_thread(self._hold_run)
        started = time.monotonic()
        with self.assertRaises(UserError) as refusal:
            self.su["res.partner"].loyalty_recompute(self.main)
        self.assertLess(time.monotonic() - started, 1.0, "refused within a second")
        message = refusal.exception.args[0]
        self.assertIn(f"run #{run_id}", message)
        self.assertIn("OdooBot", message, "who started it")
        self.assertRegex(message, r"on 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d", "when")
        # a queued request, an override and a manual flag are refused the same way
        with self.assertRaisesRegex(UserError, f"run #{run_id}"):
            self.su["res.partner"].loyalty_recompute(self.main, background=True)
        score = self.su["crm.loyalty.score"].search([("company_id", "=", self.main.id)], limit=1)
        with self.assertRaisesRegex(UserError, "already being computed"):
            score._loyalty_set_override(score.level_id, "During a run")
        with self.assertRaisesRegex(UserError, "already being computed"):
            score.action_toggle_innovative()

    def test_nightly_job_skips_a_busy_company_and_comes_back(self):
        self._in_thread(self._hold_run)
        cron = self.env.ref("crm_loyalty.ir_cron_crm_loyalty_recompute")
        before = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.env["res.partner"]._cron_loyalty_recompute()  # no error
        runs = self.su["crm.loyalty.run"].search([("state", "=", "queued")])
        self.assertNotIn(self.main, runs.company_id, "the busy company is skipped")
        self.assertIn(self.company, runs.company_id, "the others are queued")
        trigger = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - before
        self.assertEqual(len(trigger), 1)
        self.assertGreater(trigger.call_at, odoo.fields.Datetime.now() + timedelta(minutes=10))

    def test_readers_see_the_old_pyramid_until_the_new_one_is_committed(self):
        old = self._levels_committed()
        (_run_id, changes), _release = self._in_thread(self._hold_run)
        self.assertGreater(changes, 5, "the other transaction changed many levels")
        for _attempt in range(3):
            self.assertEqual(self._levels_committed(), old, "never half of the new pyramid")

    def test_invoices_posted_during_a_run_are_not_blocked(self):
        (run_id, _changes), _release = self._in_thread(self._hold_run)
        customer = self.su["crm.loyalty.score"].search([("company_id", "=", self.main.id), ("rank", "=", 1)]).partner_id
        env = self.su(context={"allowed_company_ids": [self.main.id]})
        started = time.monotonic()
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_line_ids": [Command.create({"name": "During a run", "price_unit": 10.0, "quantity": 1})],
            }
        )
        invoice.action_post()
        env.flush_all()
        self.assertLess(time.monotonic() - started, 1.0, "posting is not blocked by the run")
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(run_id)

    def test_killed_process_leaves_no_lock(self):
        # the options of this process (pytest-odoo's configuration file, or Odoo's own command line): the
        # subprocess finds the same addons and database server
        flags = {
            "addons_path": "--addons-path",
            "db_host": "--db_host",
            "db_port": "--db_port",
            "db_user": "--db_user",
            "db_password": "--db_password",
            "data_dir": "--data-dir",
        }
        options = [f"{flag}={odoo.tools.config[name]}" for name, flag in flags.items() if odoo.tools.config.get(name)]
        process = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, json.dumps(options), self.env.cr.dbname, str(self.main.id)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(process.kill)
        line = process.stdout.readline().strip()
        if line != "locked":
            process.kill()
            self.fail(f"the process holding the lock did not start: {process.stderr.read()[-2000:]}")
        with self.assertRaisesRegex(UserError, "already being computed"):
            self.su["res.partner"].loyalty_recompute(self.main)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        deadline = time.monotonic() + 5
        while True:
            try:
                with self.env.cr.savepoint():
                    run = self.su["res.partner"].loyalty_recompute(self.main)
                break
            except UserError:
                self.assertLess(time.monotonic(), deadline, "the lock of the killed process is gone within 5 s")
                time.sleep(0.2)
        self.assertEqual(run.state, "done", run.error)


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestEngineRuns(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Engine {i:02d}", "is_company": True} for i in range(30)]
        )
        specs = []
        for index, partner in enumerate(cls.customers):
            # a customer every month for 30 months, amounts that make the ranking move over time
            for month in range(0, 30, 1 + index % 4):
                specs.append(
                    {
                        "partner": partner,
                        "amount": 100.0 + ((index * 37 + month * 11) % 50) * 10,
                        "date": cls.today - relativedelta(months=month, days=index % 20),
                    }
                )
        cls._invoices(specs)

    def _level_codes(self):
        scores = self.env["crm.loyalty.score"].search(
            [("company_id", "=", self.company.id), ("partner_id", "in", self.customers.ids)]
        )
        return {score.partner_id.id: score.level_id.code for score in scores}

    def test_background_run_with_progress_and_notification(self):
        action = self.env["res.partner"].action_loyalty_recompute()
        self.assertEqual(action["tag"], "display_notification")
        run = self.env["crm.loyalty.run"].search([("company_id", "=", self.company.id)], limit=1)
        self.assertEqual((run.mode, run.state, run.trigger), ("background", "queued", "manual"))
        process = self.env.ref("crm_loyalty.ir_cron_crm_loyalty_process_runs")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", process.id)]), "the scheduler is woken up")
        self.assertFalse(self._level_codes(), "nothing computed in the request")
        # the scheduler's calls: one step each, progress reported to it and on the run
        progress = self.env["ir.cron.progress"].create({"cron_id": process.id})
        runs = self.env["crm.loyalty.run"].with_context(ir_cron_progress_id=progress.id)
        seen = []
        while run.state in ("queued", "running"):
            runs._cron_process_runs()
            seen.append((run.step, run.progress, progress.done, progress.remaining))
            self.assertLess(len(seen), 10)
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual([step for step, *_rest in seen], ["compute", "write", "log", "notify", "finish", "done"])
        self.assertEqual([percent for _step, percent, *_rest in seen], [15.0, 60.0, 75.0, 85.0, 95.0, 100.0])
        self.assertTrue(all(done == 1 for *_rest, done, _remaining in seen))
        self.assertEqual([remaining for *_rest, remaining in seen], [1, 1, 1, 1, 1, 0])
        self.assertEqual(len(self._level_codes()), 30)
        self.assertGreaterEqual(run.partner_count, 30)
        self.env.cr.precommit.run()  # the bus messages are created before the commit
        message = self.env["bus.bus"].sudo().search([("message", "ilike", "Customer pyramid recomputed")], limit=1)
        self.assertIn("simple_notification", message.message, "the requester is notified in the web client")
        # the dashboard and the list show it
        self.assertIn(f"run #{run.id}", self.env["crm.loyalty.dashboard"].create({}).run_html)

    def test_background_failure_keeps_the_pyramid(self):
        self._recompute()
        before = self._level_codes()
        run = self.env["res.partner"].loyalty_recompute(background=True)
        # 101 % in all (as the settings write the shares: as superuser, the total checked afterwards)
        self.levels["top"].sudo().with_context(loyalty_defer_share_check=True).share = 2.0
        with self.assertLogs("odoo.addons.crm_loyalty.models.crm_loyalty_engine", "ERROR") as logged:
            self._process_queue()
        self.assertIn(f"run {run.id} failed", logged.output[0])
        self.assertEqual(run.state, "failed")
        self.assertIn("must add up to 100%", run.error)
        self.assertEqual(self._level_codes(), before)
        self.env.cr.precommit.run()
        self.assertTrue(self.env["bus.bus"].sudo().search([("message", "ilike", "recompute failed")]))

    def test_readers_see_old_or_new_between_steps(self):
        self._recompute()
        old = self._level_codes()
        self.company.write({"loyalty_ranking_months": 3})  # a different ranking: many levels move
        run = self.env["res.partner"].loyalty_recompute(background=True)
        snapshots = []
        while run.state in ("queued", "running"):
            step = run.step
            self.env["crm.loyalty.run"]._cron_process_runs()
            snapshots.append((step, self._level_codes()))
        new = self._level_codes()
        self.assertNotEqual(new, old)
        # after each committed step the scores are the old pyramid (before the write step) or the new one
        for step, codes in snapshots:
            self.assertEqual(codes, old if step in ("gather", "compute") else new, f"after the {step} step")

    def test_only_changed_scores_are_written(self):
        first = self._recompute()
        self.assertEqual(first.written_count, first.partner_count, "a first run writes every score")
        self.assertGreaterEqual(first.partner_count, 30)
        scores = self.env["crm.loyalty.score"].search([("company_id", "=", self.company.id)])
        stamps = {score.id: (score.run_id, score.write_date) for score in scores}
        second = self._recompute()
        self.assertEqual((second.written_count, second.change_count), (0, 0), "a re-run writes nothing")
        self.assertFalse(second.history_ids)
        self.assertEqual({score.id: (score.run_id, score.write_date) for score in scores}, stamps)
        # one customer buys again: its score only
        self._invoices([{"partner": self.customers[7], "amount": 5.0}])
        third = self._recompute()
        self.assertEqual(third.written_count, 1)
        self.assertEqual(self._score(self.customers[7]).run_id, third)
        self.assertEqual((scores - self._score(self.customers[7])).run_id, first)

    def test_reads_go_through_a_read_only_transaction(self):
        run = self.env["crm.loyalty.engine"]._loyalty_new_run(self.company, "manual", self.today, "background")
        engine = self.env["crm.loyalty.engine"]
        engine._loyalty_gather_sums(run)  # the invoices' sums up to date
        with engine._loyalty_reader(run) as env:
            self.assertIsNot(env.cr, self.env.cr)
            data = engine._loyalty_gather(env, self.company, self.today)
            # not self.assertRaises: it opens a flushing savepoint on the test connection, which the
            # read-only test cursor shares
            refused = False
            try:
                with mute_logger("odoo.sql_db"):  # the refused statement is logged as a bad query
                    env.cr.execute("CREATE TEMPORARY TABLE crm_loyalty_write_attempt (id int)")
            except psycopg2.errors.ReadOnlySqlTransaction:
                refused = True
            self.assertTrue(refused, "the gathering cursor must refuse writes")
        self.assertEqual(set(data["days"]["partner_id"]), set(self.customers.ids))

    def test_history_from_day_one(self):
        """As after an installation: the queued run rebuilds the history month by month; every month-end
        level is the level a recompute on that day gives (from no level before: the plain cuts, without the
        margin that keeps a customer at the edge of a cut on its level from one month-end to the next)."""
        self.company.loyalty_level_margin = 0.0
        self.company.loyalty_history_months = 6
        self.env["crm.loyalty.engine"]._loyalty_queue_first_runs()
        run = self.env["crm.loyalty.run"].search([("company_id", "=", self.company.id)])
        self.assertEqual((run.trigger, run.history_months, run.step), ("install", 6, "gather"))
        self._process_queue()
        self.assertEqual(run.state, "done", run.error)
        history = self.env["crm.loyalty.history"]._loyalty_history_frame(self.company)
        month_ends = self.env["crm.loyalty.history"]._loyalty_month_ends(self.today, 6)
        self.assertEqual(history["date"].min().date(), month_ends[0])
        for month_end in month_ends:
            rebuilt = levels_at(history, month_end)
            with self.env.cr.savepoint(flush=False) as savepoint:
                self.env["crm.loyalty.score"].sudo().search([("company_id", "=", self.company.id)]).unlink()
                self._recompute(date=month_end)
                direct = self._level_codes()
                savepoint.rollback()
            self.env.invalidate_all()
            ours = {partner: code for partner, code in rebuilt.items() if partner in self.customers.ids}
            self.assertEqual(ours, direct, f"levels at {month_end}")
        # KPI months: none before the history starts, figures from its first full month
        kpi = self.env["crm.loyalty.kpi"]
        self.assertFalse(kpi._compute_month(month_ends[0].replace(day=1), self.company), "no figure, never 0 %")
        first = kpi._compute_month(month_ends[1].replace(day=1), self.company)
        total = first.filtered(lambda row: not row.user_id and not row.level_id)
        self.assertEqual(
            total.active_start,
            sum(1 for code in levels_at(history, month_ends[0]) if code in ("top", "big", "medium", "small")),
        )
        self.assertLess(total.new_count, total.active_end, "not everyone is new")

    def test_rebuild_keeps_overrides(self):
        self._recompute()
        customer = self.customers[3]
        self._score(customer)._loyalty_set_override(self.levels["top"], "Strategic")
        manual = self.env["crm.loyalty.history"].search([("partner_id", "=", customer.id), ("reason", "=", "manual")])
        self.assertTrue(manual)
        run = self.env["res.partner"].loyalty_recompute(history_months=4)
        self.assertEqual(run.state, "done", run.error)
        self.assertTrue(manual.exists(), "the manual rows stay")
        history = self.env["crm.loyalty.history"]._loyalty_history_frame(self.company)
        self.assertEqual(levels_at(history, self.today)[customer.id], "top")
        self.assertEqual(self._score(customer).level_id, self.levels["top"])
        reasons = set(self.env["crm.loyalty.history"].search([("company_id", "=", self.company.id)]).mapped("reason"))
        self.assertLessEqual(reasons, {"rebuild", "manual", "server_action"})

    def test_stalled_run_fails_and_its_staging_table_goes(self):
        """A background run whose process died between two steps: after an hour it is marked failed (the
        company is free again) and its staging table is dropped; no other table is touched."""
        run = self.env["res.partner"].loyalty_recompute(background=True)
        self.env["crm.loyalty.run"]._cron_process_runs()  # the invoices' sums
        self.env["crm.loyalty.run"]._cron_process_runs()  # the compute step: the staging table is filled
        self.assertEqual(run.step, "write")
        stage = f"crm_loyalty_stage_{run.id}"
        self.env.cr.execute("CREATE TABLE crm_loyalty_stage_99999999 (partner_id int)")  # a run deleted since
        self.env.cr.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename IN %s", [(stage, "crm_loyalty_stage_99999999")]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 2)
        with self.assertRaises(UserError):
            self.env["res.partner"].loyalty_recompute()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_loyalty_run SET write_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(hours=2), run.id],
        )
        self.env.invalidate_all()
        self._recompute()  # accepted: the stalled run gives way
        self.assertEqual((run.state, run.step), ("failed", "done"))
        self.assertIn("Stalled", run.error)
        self.env["crm.loyalty.run"]._cron_process_runs()  # nothing queued: leftovers are dropped
        self.env.cr.execute("SELECT tablename FROM pg_tables WHERE tablename ~ '^crm_loyalty_stage_'")
        self.assertEqual(self.env.cr.fetchall(), [])

    def test_long_step_hands_the_worker_back(self):
        """A long step ends the scheduler's job (so that the worker's time limits apply to each long step
        on its own) and wakes it up again at once for the next step."""
        run = self.env["res.partner"].loyalty_recompute(background=True)
        process = self.env.ref("crm_loyalty.ir_cron_crm_loyalty_process_runs")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", process.id)])
        triggers.unlink()
        progress = self.env["ir.cron.progress"].create({"cron_id": process.id})
        runs = self.env["crm.loyalty.run"].with_context(ir_cron_progress_id=progress.id)
        with patch.object(engine_module, "HAND_BACK_AFTER", -1):
            runs._cron_process_runs()
        self.assertEqual((run.step, progress.done, progress.remaining), ("compute", 1, 0))
        trigger = self.env["ir.cron.trigger"].search([("cron_id", "=", process.id)])
        self.assertEqual(len(trigger), 1)
        self.assertLessEqual(trigger.call_at, fields.Datetime.now())
        # a short step goes on within the same job
        trigger.unlink()
        runs._cron_process_runs()
        self.assertEqual((run.step, progress.remaining), ("write", 1))
        self.assertFalse(self.env["ir.cron.trigger"].search([("cron_id", "=", process.id)]))

    def test_history_rebuilt_in_batches(self):
        """A background rebuild commits its month-ends in batches (here one per step): the same history as
        a rebuild in one go."""

        def month_end_rows():
            history = self.env["crm.loyalty.history"].search(
                [("company_id", "=", self.company.id), ("reason", "=", "rebuild")]
            )
            return sorted(
                (row.partner_id.id, str(row.date), row.level_from_id.code or "", row.level_to_id.code or "")
                for row in history
                if row.date.hour == 23
            )

        run = self.env["res.partner"].loyalty_recompute(background=True, history_months=4)
        done = []
        self.env["crm.loyalty.run"]._cron_process_runs()  # the invoices' sums
        self.assertEqual(run.step, "history")
        with patch.object(history_module, "HISTORY_BATCH_SECONDS", -1):
            while run.step == "history":
                self.env["crm.loyalty.run"]._cron_process_runs()
                done.append((run.history_done, run.progress))
        self.assertEqual([months for months, _progress in done], [1, 2, 3, 4])
        progress = [progress for _months, progress in done]
        self.assertEqual(progress, sorted(set(progress)), "the progress grows with every batch")
        self.assertEqual(progress[-1], 15.0)
        self._process_queue()
        self.assertEqual(run.state, "done", run.error)
        batched = month_end_rows()
        self.assertTrue(batched)
        self.assertEqual(len({date for _partner, date, *_levels in batched}), 4)
        self._recompute(history_months=4)
        self.assertEqual(month_end_rows(), batched)

    def test_overrides_wait_for_the_switch_and_its_history(self):
        """Between a background run's compute step and its history rows, an override is refused (the run has
        the level changes aside); before and after, it is accepted."""
        self._recompute()
        score = self._score(self.customers[0])
        run = self.env["res.partner"].loyalty_recompute(background=True)
        self.env["crm.loyalty.run"]._cron_process_runs()  # the invoices' sums
        self.env["crm.loyalty.run"]._cron_process_runs()  # compute: the changes are staged
        for _step in ("write", "log"):
            with self.assertRaisesRegex(UserError, f"run #{run.id}"):
                score._loyalty_set_override(self.levels["small"], "in the middle of a run")
            self.env["crm.loyalty.run"]._cron_process_runs()
        self.assertEqual(run.step, "notify")
        score._loyalty_set_override(self.levels["small"], "after the history rows")
        self.assertEqual(score.level_id, self.levels["small"])
