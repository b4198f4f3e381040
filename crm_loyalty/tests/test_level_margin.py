# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""No flip-flop: a customer at the edge of a cut keeps its level while its rank passes the cut by no more than
the cut's margin; past it, it moves and its history row says why."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestLevelMargin(LoyaltyCommon):
    """20 active customers, customer k (1-based) with 2,100 - 100 k of revenue: with the default shares one Top,
    no Big, three Medium (ranks 2 to 4), 16 Small; a margin of 5 % is one rank at the Medium / Small cut."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = [cls._partner(f"Edge {k:02d}") for k in range(1, 21)]
        cls._invoices(
            [
                {"partner": partner, "amount": 2100.0 - 100.0 * k, "date": date(2025, 3, 1)}
                for k, partner in enumerate(cls.customers, 1)
            ]
        )
        cls.edge = cls.customers[3]  # rank 4: the last Medium
        cls.history = cls.env["crm.loyalty.history"]

    def _edge_rows(self):
        return self.history.search([("partner_id", "=", self.edge.id), ("company_id", "=", self.company.id)])

    def _overtake(self, *customers, amount=150.0):
        """``customers`` pass the edge customer (an invoice of ``amount`` each), then the invoices go again
        (credit notes): the edge customer's own invoices never change."""
        invoices = self._invoices([{"partner": partner, "amount": amount} for partner in customers])
        self._recompute()
        self._invoices([{"partner": partner, "amount": amount, "move_type": "out_refund"} for partner in customers])
        self._recompute()
        return invoices

    def test_edge_customer_does_not_bounce(self):
        self._recompute()
        self.assertEqual(self._level(self.edge), "medium")
        rows = self._edge_rows()
        # customer 5 (rank 5) passes it: the edge customer is rank 5, one past its cut, within the margin
        self._invoices([{"partner": self.customers[4], "amount": 150.0}])
        self._recompute()
        self.assertEqual(self._level(self.edge), "medium")
        self.assertEqual(self._score(self.edge).rank, 5)
        # and customer 5, rank 4, one rank into Medium, stays Small: the shares hold within the margins
        self.assertEqual(self._level(self.customers[4]), "small")
        self._invoices([{"partner": self.customers[4], "amount": 150.0, "move_type": "out_refund"}])
        self._recompute()
        self.assertEqual(self._level(self.edge), "medium")
        self.assertEqual(self._edge_rows(), rows, "no history row for a customer whose invoices did not change")

    def test_without_margin_the_edge_customer_bounces(self):
        """The plain cuts (margin 0): the same day gives the flip-flop the margin prevents."""
        self.company.loyalty_level_margin = 0.0
        self._recompute()
        rows = self._edge_rows()
        self._overtake(self.customers[4])
        moves = self._edge_rows() - rows
        self.assertEqual(
            sorted((row.level_from_id.code, row.level_to_id.code) for row in moves),
            [("medium", "small"), ("small", "medium")],
        )

    def test_past_the_margin_it_moves_and_the_history_says_why(self):
        self._recompute()
        rows = self._edge_rows()
        # customers 5 and 6 pass it: rank 6, two past Medium's last rank (4), beyond the margin of one rank
        self._invoices([{"partner": partner, "amount": 350.0} for partner in self.customers[4:6]])
        self._recompute()
        self.assertEqual(self._level(self.edge), "small")
        move = self._edge_rows() - rows
        self.assertEqual((move.level_from_id.code, move.level_to_id.code), ("medium", "small"))
        self.assertEqual(
            move.note,
            "Rank 6 of 20 active customers: below the ranks of Medium (2 to 4) by more than the margin of its "
            "cut (1 ranks).",
        )

    def _rebuild_with_may_overtake(self):
        self._invoices([{"partner": self.customers[4], "amount": 150.0, "date": date(2025, 5, 10)}])
        run = self.env["res.partner"].loyalty_recompute(history_months=4)
        self.assertEqual(run.state, "done", run.error)
        return self._edge_rows()

    def test_rebuilt_history_chains_the_month_ends(self):
        """The month-end history keeps the margin from one month-end to the next, and the run after it from the
        last month-end, as the nightly runs do: customer 5 buys in May and the edge customer, passed by one
        rank at the end of May, stays Medium."""
        rows = self._rebuild_with_may_overtake()
        self.assertEqual(
            rows.sorted("date").mapped("level_to_id.code"), ["suspect", "medium"], "Medium from the end of March on"
        )
        self.assertEqual(self._level(self.edge), "medium")

    def test_rebuilt_history_without_margin_bounces(self):
        self.company.loyalty_level_margin = 0.0
        rows = self._rebuild_with_may_overtake()
        self.assertEqual(
            rows.sorted("date").mapped("level_to_id.code"),
            ["suspect", "medium", "small"],
            "Medium, then Small at the end of May",
        )
        self.assertIn("Rank 5 of 20 active customers: below the ranks of Medium (2 to 4)", rows.sorted("date")[-1].note)

    def test_margin_setting_is_checked(self):
        for bad in (-1.0, 60.0):
            with self.assertRaisesRegex(ValidationError, "between 0% and 50%"):
                self.company.loyalty_level_margin = bad
        settings = Form(self.env["res.config.settings"])
        settings.loyalty_level_margin = 10.0
        settings.save().execute()
        self.assertEqual(self.company.loyalty_level_margin, 10.0)
