# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The articles' reports (README, *Financial statistics and sales dynamics*): customer financial statistics and sales
dynamics, as pivot and graph views and as workbook sheets; satisfaction and complaints are the helpdesk bridge's."""

import base64
import io
import os
from datetime import date

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestReports(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(
            cls.env, login="reports_seller", groups="sales_team.group_sale_salesman", company_id=cls.company.id
        )
        cls.mine = cls._partner("Seller's Customer", user_id=cls.seller.id)
        cls.big = cls._partner("Big Buyer", user_id=cls.env.uid)
        cls.other = cls._partner("Other Buyer", user_id=cls.env.uid)
        cls._invoices(
            [
                # the seller's customer: 100 at 40 % margin in April, 300 in May, a credit note of 50 in May
                {"partner": cls.mine, "amount": 100.0, "date": date(2025, 4, 10), "product": cls.product_cost},
                {"partner": cls.mine, "amount": 300.0, "date": date(2025, 5, 3)},
                {"partner": cls.mine, "amount": 50.0, "date": date(2025, 5, 20), "move_type": "out_refund"},
                {"partner": cls.big, "amount": 5000.0, "date": date(2025, 4, 2)},
                {"partner": cls.big, "amount": 7000.0, "date": date(2025, 5, 2)},
                {"partner": cls.other, "amount": 900.0, "date": date(2025, 5, 15)},
            ]
        )

    def _sheet(self, name):
        attachment = self.env["crm.loyalty.workbook"].loyalty_export_workbook(company=self.company)
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)), read_only=True)
        return list(book[name].iter_rows(values_only=True))

    def test_sales_dynamics(self):
        self._recompute()
        report = self.env["crm.loyalty.sales.report"]
        domain = [("company_id", "=", self.company.id)]
        months = {
            month: (revenue, customers, invoices)
            for month, revenue, customers, invoices in report._read_group(
                domain, ["date:month"], ["revenue:sum", "partner_id:count_distinct", "invoice_count:sum"]
            )
        }
        self.assertEqual(months[date(2025, 4, 1)], (5100.0, 2, 2))
        self.assertEqual(months[date(2025, 5, 1)], (8150.0, 3, 3), "the credit note is deducted, not an invoice")
        margin = dict(report._read_group([*domain, ("partner_id", "=", self.mine.id)], ["date:month"], ["margin:sum"]))
        self.assertEqual(margin[date(2025, 4, 1)], 40.0)
        # per level and segment of the customers now
        big_level = self._score(self.big).level_id
        big_only = [*domain, ("level_id", "=", big_level.id)]
        self.assertEqual(dict(report._read_group(big_only, ["date:month"], ["revenue:sum"]))[date(2025, 5, 1)], 7000.0)
        per_seller = dict(report._read_group(domain, ["user_id"], ["revenue:sum"]))
        self.assertEqual(per_seller[self.seller], 350.0)
        # a salesperson sees their own customers only; a billing user nothing
        seller_rows = report.with_user(self.seller).search(domain)
        self.assertEqual(seller_rows.partner_id, self.mine)
        billing = new_test_user(self.env, login="reports_billing", groups="account.group_account_invoice")
        with self.assertRaises(AccessError):
            report.with_user(billing).search(domain)
        # the workbook sheet: a row per month, revenue per level and in total, customers per level
        rows = self._sheet("Sales Dynamics")
        header = rows[2]
        may = next(row for row in rows if row[0] == "May 2025")
        self.assertEqual(may[header.index("Revenue")], 8150.0)
        self.assertEqual(may[header.index(f"Revenue: {big_level.name}")], 7000.0)
        self.assertEqual(may[header.index(f"Customers: {big_level.name}")], 1)

    def test_financial_statistics(self):
        self._recompute()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_loyalty.crm_loyalty_score_action_financial")
        self.assertEqual(action["res_model"], "crm.loyalty.score")
        mine = self._score(self.mine)
        self.assertEqual((mine.revenue_window, mine.margin_window), (350.0, 290.0))
        rows = self._sheet("Financial Statistics")
        header = rows[2]
        total = next(row for row in rows if row[0] == "Total")
        self.assertEqual(total[header.index("Customers")], 3)
        self.assertEqual(total[header.index("Revenue (ranking window)")], 13250.0)
        self.assertEqual(total[header.index("Invoices")], 5, "credit notes are not invoices")
        level_row = next(row for row in rows if row[0] == mine.level_id.name)
        level_scores = self.env["crm.loyalty.score"].search(
            [("company_id", "=", self.company.id), ("level_id", "=", mine.level_id.id), ("invoice_count", ">", 0)]
        )
        self.assertEqual(
            level_row[header.index("Revenue (ranking window)")], sum(level_scores.mapped("revenue_window"))
        )
        # a salesperson's figures are their own customers'
        seller_groups = (
            self.env["crm.loyalty.score"]
            .with_user(self.seller)
            ._read_group(
                [("company_id", "=", self.company.id), ("invoice_count", ">", 0)], [], ["__count", "revenue_window:sum"]
            )
        )
        self.assertEqual(seller_groups, [(1, 350.0)])

    def test_the_base_addon_names_no_bridge(self):
        """Satisfaction and complaints are the helpdesk bridge's: without it, no menu, action, sheet or dashboard
        tile of theirs (the bridge adds them, tested there)."""
        if "crm.loyalty.ticket.report" in self.env:
            self.skipTest("the helpdesk bridge is installed: its own tests cover satisfaction")
        scores = self.env["crm.loyalty.score"]
        for name in ("action_loyalty_satisfaction_analysis", "_loyalty_satisfaction_alert_count"):
            self.assertFalse(hasattr(scores, name), name)
        self.assertNotIn("satisfaction_html", self.env["crm.loyalty.dashboard"]._fields)
        for xmlid in ("crm_loyalty.crm_loyalty_satisfaction_menu", "crm_loyalty.crm_loyalty_action_satisfaction"):
            self.assertFalse(self.env.ref(xmlid, raise_if_not_found=False), xmlid)
        attachment = self.env["crm.loyalty.workbook"].loyalty_export_workbook()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)), read_only=True)
        self.assertNotIn("Satisfaction", book.sheetnames)
        # and names no bridge in its code: bridges follow the pattern crm_loyalty_<app>
        root = os.path.dirname(os.path.dirname(__file__))
        for folder, _dirs, files in os.walk(root):
            if os.path.basename(folder) in ("tests", "i18n"):
                continue
            for name in files:
                if name.endswith((".py", ".xml", ".js")):
                    with open(os.path.join(folder, name), encoding="utf-8") as handle:
                        self.assertNotIn("crm_loyalty_helpdesk", handle.read(), os.path.join(folder, name))
