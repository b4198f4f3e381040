# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import base64
import io
from datetime import date

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestPaymentRisk(LoyaltyCommon):
    """Payment figures from real posted invoices and registered payments, as of 2025-06-30 (the ranking window
    of 12 months: due dates after 2024-06-30)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.punctual = cls._partner("Punctual Payer")
        cls.late = cls._partner("Late Payer")
        cls.partial = cls._partner("Partial Payer")
        cls.credited = cls._partner("Credited Customer")
        cls.open = cls._partner("Open Debtor")
        cls.fresh = cls._partner("Not Due Yet")
        invoices = cls._invoices(
            [
                {"partner": cls.punctual, "amount": 1000.0, "date": date(2025, 1, 1), "due": date(2025, 1, 31)},
                {"partner": cls.punctual, "amount": 1000.0, "date": date(2025, 3, 1), "due": date(2025, 3, 31)},
                {"partner": cls.late, "amount": 1000.0, "date": date(2025, 1, 1), "due": date(2025, 1, 31)},
                {"partner": cls.late, "amount": 1000.0, "date": date(2025, 3, 1), "due": date(2025, 3, 31)},
                {"partner": cls.partial, "amount": 1000.0, "date": date(2025, 4, 1), "due": date(2025, 4, 30)},
                {"partner": cls.credited, "amount": 1000.0, "date": date(2025, 5, 1), "due": date(2025, 5, 31)},
                {"partner": cls.open, "amount": 500.0, "date": date(2025, 4, 1), "due": date(2025, 5, 1)},
                {"partner": cls.fresh, "amount": 800.0, "date": date(2025, 6, 30), "due": date(2025, 7, 30)},
            ]
        )
        cls.invoice = dict(zip(["p1", "p2", "l1", "l2", "partial", "credited", "open", "fresh"], invoices, strict=True))
        # the punctual payer pays on the due date, the late payer 90 days after it
        cls._pay(cls.invoice["p1"], 1000.0, date(2025, 1, 31))
        cls._pay(cls.invoice["p2"], 1000.0, date(2025, 3, 20))
        cls._pay(cls.invoice["l1"], 1000.0, date(2025, 5, 1))
        cls._pay(cls.invoice["l2"], 1000.0, date(2025, 6, 29))
        # half on the due date, half 60 days later
        cls._pay(cls.invoice["partial"], 500.0, date(2025, 4, 30))
        cls._pay(cls.invoice["partial"], 500.0, date(2025, 6, 29))
        # 600 paid on the due date, the rest cancelled by a credit note 20 days after it
        cls._pay(cls.invoice["credited"], 600.0, date(2025, 5, 31))
        refund = cls._invoices(
            [{"partner": cls.credited, "amount": 400.0, "date": date(2025, 6, 20), "move_type": "out_refund"}]
        )
        terms = (refund | cls.invoice["credited"]).line_ids.filtered(lambda line: line.display_type == "payment_term")
        terms.reconcile()

    def _figures(self, partner):
        score = self._score(partner)
        return {
            "grade": score.payment_grade,
            "invoices": score.payment_invoice_count,
            "days_late": score.payment_days_late,
            "late_share": score.payment_late_share,
            "max_delay": score.payment_max_days_late,
            "overdue": score.payment_overdue_amount,
            "oldest": score.payment_oldest_due_date,
        }

    def test_grades_from_how_invoices_were_paid(self):
        self.assertEqual(self.invoice["credited"].payment_state, "paid")
        self._recompute()
        no_debt = {"overdue": 0.0, "oldest": False}
        self.assertEqual(
            self._figures(self.punctual),
            {"grade": "a", "invoices": 2, "days_late": 0.0, "late_share": 0.0, "max_delay": 0, **no_debt},
        )
        self.assertEqual(
            self._figures(self.late),
            {"grade": "d", "invoices": 2, "days_late": 90.0, "late_share": 100.0, "max_delay": 90, **no_debt},
        )
        # partial payments: each part its own delay, weighted by its amount (0 and 60 days: 30 on average)
        self.assertEqual(
            self._figures(self.partial),
            {"grade": "c", "invoices": 1, "days_late": 30.0, "late_share": 100.0, "max_delay": 60, **no_debt},
        )
        # the credit note is not a late payment: it lowers what was owed, the rest was paid on time
        self.assertEqual(
            self._figures(self.credited),
            {"grade": "a", "invoices": 1, "days_late": 0.0, "late_share": 0.0, "max_delay": 0, **no_debt},
        )
        # still open 60 days after its due date
        self.assertEqual(
            self._figures(self.open),
            {
                "grade": "d",
                "invoices": 1,
                "days_late": 60.0,
                "late_share": 100.0,
                "max_delay": 60,
                "overdue": 500.0,
                "oldest": date(2025, 5, 1),
            },
        )
        # nothing due yet: no grade rather than A
        self.assertEqual(
            self._figures(self.fresh),
            {"grade": False, "invoices": 0, "days_late": 0.0, "late_share": 0.0, "max_delay": 0, **no_debt},
        )

    def test_as_of_the_computation_date(self):
        """A run as of an earlier date ignores the payments made after it: on 2025-06-01 the late payer's
        second invoice was open for 62 days, and the partial payer's second half for 32."""
        run = self._recompute(date=date(2025, 6, 1))
        self.assertEqual(run.reference_date, date(2025, 6, 1))
        late = self._figures(self.late)
        self.assertEqual((late["grade"], late["overdue"], late["oldest"]), ("d", 1000.0, date(2025, 3, 31)))
        self.assertEqual(late["days_late"], 76.0, "(90 + 62) / 2")
        partial = self._figures(self.partial)
        self.assertEqual((partial["days_late"], partial["overdue"], partial["grade"]), (16.0, 500.0, "c"))
        # the credit note of 2025-06-20 did not exist yet: 400 open for one day
        self.assertEqual(self._figures(self.credited)["overdue"], 400.0)

    def test_thresholds_are_settings(self):
        self._recompute()
        self.company.write({"loyalty_payment_b_days": 5, "loyalty_payment_c_days": 20, "loyalty_payment_d_days": 30})
        self._recompute()
        self.assertEqual(self._score(self.partial).payment_grade, "d")
        self.assertEqual(self._score(self.punctual).payment_grade, "a")
        for values in ({"loyalty_payment_b_days": 40}, {"loyalty_payment_b_days": 0}, {"loyalty_payment_d_days": 9999}):
            with self.assertRaisesRegex(ValidationError, "must grow from B to C to D"), self.env.cr.savepoint():
                self.company.write(values)

    def test_payment_after_a_run_is_seen_by_the_next(self):
        self._recompute()
        self.assertEqual(self._score(self.open).payment_grade, "d")
        self._pay(self.invoice["open"], 500.0, self.today)
        self._recompute()
        figures = self._figures(self.open)
        self.assertEqual((figures["grade"], figures["overdue"], figures["days_late"]), ("d", 0.0, 60.0))
        self.assertFalse(figures["oldest"])

    def test_shown_on_quotation_and_brief_to_loyalty_users_only(self):
        self._recompute()
        seller = new_test_user(
            self.env,
            login="risk_seller",
            groups="sales_team.group_sale_salesman_all_leads,crm_loyalty.group_loyalty_user",
            company_id=self.company.id,
        )
        # a billing user has no loyalty right (salespeople all have one): no grade, no banner
        plain = new_test_user(self.env, login="risk_billing", groups="account.group_account_invoice")
        order_form = Form(self.env["sale.order"].with_user(seller))
        order_form.partner_id = self.late
        order_form.order_line.new().product_id = self.product_cost
        order = order_form.save()
        self.assertEqual((order.loyalty_payment_grade, order.loyalty_payment_days_late), ("d", 90.0))
        arch = order.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("loyalty_payment_warning", arch)
        self.assertNotIn(
            "loyalty_payment_warning",
            order.with_user(plain).get_views([(False, "form")])["views"]["form"]["arch"],
        )
        with self.assertRaises(AccessError):
            order.with_user(plain).read(["loyalty_payment_grade"])
        with self.assertRaises(AccessError):
            self._score(self.late).with_user(plain).read(["payment_grade"])
        visit = self.env["crm.loyalty.visit"].create(
            {"partner_id": self.late.id, "user_id": seller.id, "date_planned": date(2025, 7, 10)}
        )
        visit.with_user(seller).action_prepare_brief()
        self.assertIn("D (high risk)", visit.brief_html)
        self.assertIn("90.0 days late on average", visit.brief_html)
        self.assertIn("100% of its invoices paid late", visit.brief_html)

    def test_credit_analysis_report(self):
        self._recompute()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_loyalty.crm_loyalty_score_action_credit")
        groups = self.env["crm.loyalty.score"]._read_group(
            [*safe_eval(action["domain"]), ("company_id", "=", self.company.id)],
            ["payment_grade"],
            ["__count", "payment_overdue_amount:sum"],
        )
        self.assertEqual(
            {grade: (count, amount) for grade, count, amount in groups}, {"a": (2, 0.0), "c": (1, 0.0), "d": (2, 500.0)}
        )

    def test_workbook_credit_sheet(self):
        self._recompute()
        attachment = self.env["crm.loyalty.workbook"].loyalty_export_workbook(company=self.company)
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)), read_only=True)
        rows = list(book["Credit Analysis"].iter_rows(min_row=4, values_only=True))
        by_grade = {row[1]: row for row in rows}
        self.assertEqual(sorted(by_grade), ["A (pays on time)", "C (pays late)", "D (high risk)"])
        self.assertEqual(sum(row[2] for row in rows), 5)
        d_rows = [row for row in rows if row[1] == "D (high risk)"]
        self.assertEqual(sum(row[2] for row in d_rows), 2)
        self.assertAlmostEqual(sum(row[4] for row in d_rows), 500.0)
        customers = {row[0]: row for row in book["Customers"].iter_rows(min_row=2, values_only=True)}
        self.assertEqual(customers["Late Payer"][18:21], ("D (high risk)", 90.0, 0.0))
        self.assertEqual(customers["Not Due Yet"][18:21], ("", None, None), "no grade, no figure rather than 0")
