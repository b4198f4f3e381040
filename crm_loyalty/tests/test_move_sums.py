# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The sums of the invoices a run keeps between runs (crm.loyalty.move): read again only for the invoices
that changed, always equal to a reading of every invoice."""

from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from ..models import crm_loyalty_engine_read as read_module
from ..models import crm_loyalty_move as move_module
from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestMoveSums(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = [cls._partner(f"Sums customer {index}") for index in range(6)]
        cls.moves = cls._invoices(
            [
                {
                    "partner": partner,
                    "amount": 100.0 * (index + 1),
                    "date": cls.today - timedelta(days=30 * index),
                    "product": cls.product_cost,
                    "quantity": 1 + index % 3,
                    "discount": 10.0 if index % 2 else 0.0,
                }
                for index, partner in enumerate(cls.customers)
            ]
            + [{"partner": cls.customers[0], "amount": 40.0, "move_type": "out_refund", "product": cls.product_cost}]
        )
        cls.sums = cls.env["crm.loyalty.move"]

    def _kept(self):
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM crm_loyalty_move WHERE company_id = %s ORDER BY move_id",
                SQL(", ").join(SQL.identifier(name) for name in self.sums.COLUMNS),
                self.company.id,
            )
        )
        return self.env.cr.fetchall()

    def _every_invoice(self):
        """The rows a reading of every invoice gives, now."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT * FROM (%s) sums ORDER BY 1", self.sums._loyalty_sums_query(self.company, SQL("TRUE")))
        )
        return self.env.cr.fetchall()

    def _sync(self):
        return self.sums._loyalty_sync(self.company)

    def test_only_the_changed_invoices_are_read_again(self):
        self.assertEqual(self._sync(), 7, "the first time, every invoice")
        self.assertEqual(self._kept(), self._every_invoice())
        self.assertEqual(len(self._kept()), 7)
        self.assertEqual(self._sync(), 0, "nothing changed, nothing read")

        # a new invoice
        new = self._invoices([{"partner": self.customers[1], "amount": 70.0, "product": self.product_cost}])
        self.assertEqual(self._sync(), 1)
        self.assertEqual(self._kept(), self._every_invoice())

        # reset to draft: its row goes; changed and posted again: read again
        move = self.moves[2]
        move.button_draft()
        self.assertEqual(self._sync(), 1)
        self.assertNotIn(move.id, [row[0] for row in self._kept()])
        move.invoice_line_ids.price_unit = 999.0
        move.action_post()
        self.assertEqual(self._sync(), 1)
        self.assertEqual(self._kept(), self._every_invoice())

        # cancelled, and deleted (a draft that had been posted)
        self.moves[3].button_draft()
        self.moves[3].button_cancel()
        new.button_draft()
        new.unlink()
        self.assertEqual(self._sync(), 2)
        self.assertEqual(self._kept(), self._every_invoice())

        # the cost of a product: every invoice with it is read again
        self.product_cost.standard_price = 75.0
        self.assertEqual(self._sync(), 6)
        self.assertEqual(self._kept(), self._every_invoice())

        # customers merged (Odoo's merge updates the invoices in SQL, without write_date)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_move SET commercial_partner_id = %s WHERE id = %s",
            [self.customers[5].id, self.moves[4].id],
        )
        self.assertEqual(self._sync(), 1)
        self.assertEqual(self._kept(), self._every_invoice())

    def test_scores_follow_a_cost_change(self):
        self._invoices([{"partner": self.customers[1], "amount": 50.0, "product": self.product_cost}])
        self._recompute()
        score = self._score(self.customers[1])
        cost = score.cost_window
        self.assertGreater(cost, 0)
        self.product_cost.standard_price = self.product_cost.standard_price * 2
        run = self._recompute()
        self.assertAlmostEqual(score.cost_window, cost * 2, places=2)
        self.assertGreater(run.written_count, 0)

    def test_first_reading_in_ranges(self):
        """The first reading of a background run: ranges of invoice ids, each in a read-only transaction and
        a step of its own; an invoice changed between two ranges is caught up."""
        engine = self.env["crm.loyalty.engine"]
        run = engine._loyalty_new_run(self.company, "manual", self.today, "background")
        run.state = "running"
        self.env.cr.execute("SELECT MIN(id), MAX(id) FROM account_move")
        first, last = self.env.cr.fetchone()
        size = max((last - first) // 3, 1)
        calls, progress = 0, []
        with patch.object(move_module, "BUILD_MOVES", size):
            while run.step == "gather":
                engine._loyalty_step(run)
                calls += 1
                progress.append(run.progress)
                if calls == 1:
                    self.assertTrue(run.gathered_to)
                    # changed after its range was read
                    self.moves.filtered(lambda move: move.id <= run.gathered_to)[:1].button_draft()
        self.assertGreaterEqual(calls, 3)
        self.assertEqual(progress[:-1], sorted(progress[:-1]))
        self.assertEqual(run.step, "compute")
        self.assertEqual(self._kept(), self._every_invoice())

    def test_history_rebuild_reads_every_invoice_again(self):
        self._recompute()
        # a change no write_date tells: a rebuild starts from the invoices again
        self.env.cr.execute(
            "UPDATE account_move_line SET balance = balance * 2 WHERE move_id = %s AND display_type = 'product'",
            [self.moves[0].id],
        )
        self.env.invalidate_all()
        self.assertNotEqual(self._kept(), self._every_invoice())
        self._recompute(history_months=2)
        self.assertEqual(self._kept(), self._every_invoice())

    def test_sums_per_customer_and_day_as_the_lines_give_them(self):
        """The sums per customer and day read from the kept rows (several invoices and a credit note on
        one day added up) equal those of a reading of the invoice lines."""
        self._invoices(
            [
                {"partner": self.customers[2], "amount": 30.0, "date": self.today - timedelta(days=60)},
                {"partner": self.customers[2], "amount": 5.0, "date": self.today - timedelta(days=60)},
            ]
        )
        engine = self.env["crm.loyalty.engine"]
        invoices = self.env["crm.loyalty.invoice"]
        run = engine._loyalty_new_run(self.company, "manual", self.today, "sync")
        engine._loyalty_gather_sums(run)
        data = engine._loyalty_gather_for(run)

        def read(query, columns, integers):
            frame = invoices._loyalty_read_frame(self.env.cr, query, columns, dates=["day"], integers=integers)
            return frame.sort_values(["partner_id", "day"]).round(6).to_dict("records")

        def rows(frame):
            return frame.sort_values(["partner_id", "day"]).round(6).to_dict("records")

        days = read(invoices._loyalty_day_query(self.company, self.today), read_module.DAY_COLUMNS, ["partner_id"])
        move_days = read(
            invoices._loyalty_move_day_query(self.company, self.today),
            read_module.MOVE_DAY_COLUMNS,
            ["partner_id", "invoices", "refunds"],
        )
        self.assertEqual(rows(data["days"]), days)
        self.assertEqual(rows(data["move_days"]), move_days)
        self.assertEqual(len(move_days), 6, "one row per customer and day")
        self.assertIn(3, [row["invoices"] for row in move_days])
