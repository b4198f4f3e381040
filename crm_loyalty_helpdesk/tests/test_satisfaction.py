# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Satisfaction and complaint analysis (README, *Helpdesk*): ratings per level, category and month; the key customers
whose satisfaction is low or falling, as a filter, a dashboard tile and a workbook sheet."""

import ast
import base64
import io
from datetime import date, datetime

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_loyalty.tests.common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestSatisfaction(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("helpdesk_mgmt.group_helpdesk_manager")
        cls.seller = new_test_user(
            cls.env, login="satisfaction_seller", groups="sales_team.group_sale_salesman", company_id=cls.company.id
        )
        loss_product = cls._create_product(name="Sold at a loss", lst_price=100.0, standard_price=150.0)
        cls.unhappy = cls._partner("Unhappy Key", email="unhappy@example.com", user_id=cls.seller.id)
        # the others belong to another salesperson
        cls.falling = cls._partner("Falling Key", email="falling@example.com", user_id=cls.env.uid)
        cls.happy = cls._partner("Happy Key", email="happy@example.com", user_id=cls.env.uid)
        cls.loss = cls._partner("Unhappy Loss-maker", email="loss@example.com", user_id=cls.env.uid)
        cls._invoices(
            [
                {"partner": cls.unhappy, "amount": 9000.0, "date": date(2025, 2, 1)},
                {"partner": cls.falling, "amount": 8000.0, "date": date(2025, 2, 1)},
                {"partner": cls.happy, "amount": 7000.0, "date": date(2025, 2, 1)},
                {"partner": cls.loss, "amount": 100.0, "date": date(2025, 2, 1), "product": loss_product},
            ]
        )
        cls.complaint = cls.env["helpdesk.ticket.category"].create({"name": "Late delivery", "is_complaint": True})
        cls.question = cls.env["helpdesk.ticket.category"].create({"name": "Question"})
        cls.closed_stage = cls.env["helpdesk.ticket.stage"].search([("closed", "=", True)], limit=1)
        # (customer, created on, category, rating): the falling customer rated 5 early in the window, 3 lately
        cls.tickets = cls.env["helpdesk.ticket"]
        for partner, created, category, value in [
            (cls.unhappy, datetime(2025, 1, 10, 9), cls.complaint, 2),
            (cls.unhappy, datetime(2025, 5, 12, 9), cls.complaint, 2),
            (cls.falling, datetime(2025, 1, 15, 9), cls.question, 5),
            (cls.falling, datetime(2025, 2, 15, 9), cls.question, 5),
            (cls.falling, datetime(2025, 5, 20, 9), cls.complaint, 3),
            (cls.falling, datetime(2025, 6, 2, 9), cls.complaint, 3),
            (cls.happy, datetime(2025, 4, 1, 9), cls.question, 5),
            (cls.loss, datetime(2025, 5, 1, 9), cls.complaint, 1),
        ]:
            ticket = cls.env["helpdesk.ticket"].create(
                {"name": "Help", "description": "<p>Help</p>", "partner_id": partner.id, "category_id": category.id}
            )
            ticket.stage_id = cls.closed_stage
            ticket.rating_apply(value, token=ticket._rating_get_access_token())
            cls.env.flush_all()
            # created at the given time, closed ten hours later, rated the day after
            cls.env.cr.execute(
                "UPDATE helpdesk_ticket SET create_date = %s, closed_date = %s + interval '10 hours' WHERE id = %s",
                [created, created, ticket.id],
            )
            cls.env.cr.execute(
                "UPDATE rating_rating SET write_date = %s + interval '1 day' "
                "WHERE res_model = 'helpdesk.ticket' AND res_id = %s",
                [created, ticket.id],
            )
            cls.tickets |= ticket
        still_open = cls.env["helpdesk.ticket"].create(
            {"name": "Late", "description": "<p>!</p>", "partner_id": cls.unhappy.id, "category_id": cls.complaint.id}
        )
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s", [datetime(2025, 6, 20, 9), still_open.id]
        )
        cls.tickets |= still_open
        cls.tickets.invalidate_recordset()

    def test_key_customers_whose_satisfaction_is_low_or_falling(self):
        self._recompute()
        unhappy, falling, happy, loss = (self._score(p) for p in (self.unhappy, self.falling, self.happy, self.loss))
        self.assertEqual({s.profit_class for s in (unhappy, falling, happy)}, {"key"})
        self.assertEqual(loss.profit_class, "loss")
        self.assertEqual((unhappy.satisfaction, unhappy.satisfaction_alert), (2.0, True), "low")
        # 4.0 on average, above the threshold, but 3 in the last three months against 5 before
        self.assertEqual(
            (falling.satisfaction, falling.satisfaction_recent, falling.satisfaction_trend, falling.satisfaction_alert),
            (4.0, 3.0, -2.0, True),
        )
        self.assertEqual((happy.satisfaction, happy.satisfaction_trend, happy.satisfaction_alert), (5.0, 0.0, False))
        self.assertEqual((loss.satisfaction, loss.satisfaction_alert), (1.0, False), "no profit potential")
        # the filter, the list action and the dashboard tile
        alerts = self.env["crm.loyalty.score"].search([("satisfaction_alert", "=", True)])
        self.assertEqual(alerts, unhappy | falling)
        action = self.env["crm.loyalty.score"].action_loyalty_satisfaction_alerts()
        self.assertEqual(action["res_model"], "crm.loyalty.score")
        self.assertIn("search_default_satisfaction_alert", action["context"])
        dashboard = self.env["crm.loyalty.dashboard"].create({"company_id": self.company.id})
        self.assertIn("2 customers", dashboard.satisfaction_html)
        self.assertIn("Low Satisfaction, Profit Potential", dashboard.satisfaction_html)
        # the salesperson's tile counts their own customers
        seller_dashboard = self.env["crm.loyalty.dashboard"].with_user(self.seller).create({})
        self.assertIn("1 customers", seller_dashboard.satisfaction_html)
        # the threshold is the company's
        self.company.loyalty_satisfaction_threshold = 1.5
        self._recompute()
        self.assertFalse(unhappy.satisfaction_alert, "2 is no longer low")
        self.assertTrue(falling.satisfaction_alert, "still falling")
        for bad in (1.0, 5.5, -3.0):
            with self.assertRaisesRegex(ValidationError, "between 1"), self.env.cr.savepoint():
                self.company.loyalty_satisfaction_threshold = bad
                self.company.flush_recordset()

    def test_unchanged_figures_are_not_written_again(self):
        """Averages that do not end (13/3 points, 31/3 hours) are stored at the fields' digits and compare equal
        to the next computation's: a run with no new ticket or rating writes no score."""
        for value, hours in ((4, 10), (4, 11)):
            ticket = self.env["helpdesk.ticket"].create(
                {"name": "More", "description": "<p>More</p>", "partner_id": self.happy.id}
            )
            ticket.stage_id = self.closed_stage
            ticket.rating_apply(value, token=ticket._rating_get_access_token())
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE helpdesk_ticket SET create_date = %s, closed_date = %s WHERE id = %s",
                [datetime(2025, 4, 2, 9), datetime(2025, 4, 2, 9 + hours), ticket.id],
            )
        self._recompute()
        happy = self._score(self.happy)
        self.assertEqual((happy.satisfaction, happy.satisfaction_count), (4.33, 3))  # 5, 4 and 4
        self.assertEqual(happy.avg_resolution_hours, 10.3)  # 10, 10 and 11 hours
        scores = self.env["crm.loyalty.score"]
        self.assertEqual(scores._loyalty_update_service_figures(self.company, self.today), 0)
        # a new rating is written at once, and only that customer's score
        self.env["rating.rating"].search([("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]).rating = 1
        self.assertEqual(scores._loyalty_update_service_figures(self.company, self.today), 1)
        self.assertEqual(happy.satisfaction, 3.33)

    def test_satisfaction_per_level_and_month(self):
        self._recompute()
        report = self.env["crm.loyalty.ticket.report"]
        action = self.env["crm.loyalty.score"].action_loyalty_satisfaction_analysis()
        self.assertEqual(action["res_model"], report._name)
        rated = [("company_id", "=", self.company.id), *ast.literal_eval(action["domain"])]
        self.assertEqual(report.search_count(rated), 8, "the open ticket is not rated")
        grades = {
            (level.code, grade): count
            for level, grade, count in report._read_group(rated, ["level_id", "rating_grade"], ["__count"])
        }
        unhappy_level = self._score(self.unhappy).level_id.code
        self.assertEqual(grades[unhappy_level, "ko"], 2)
        months = dict(report._read_group(rated, ["date:month"], ["rating:avg"]))
        self.assertEqual(months[datetime(2025, 1, 1)], 3.5)  # 2 and 5
        self.assertEqual(months[datetime(2025, 5, 1)], 2.0)  # 2, 3 and 1
        self.assertEqual(len(months), 5)
        by_category = dict(report._read_group(rated, ["category_id"], ["rating:avg"]))
        self.assertEqual(by_category[self.question], 5.0)

    def test_complaint_analysis(self):
        self._recompute()
        report = self.env["crm.loyalty.ticket.report"]
        action = self.env["crm.loyalty.score"].action_loyalty_complaint_analysis()
        complaints = [("company_id", "=", self.company.id), *ast.literal_eval(action["domain"])]
        [(category, count, hours, rating, all_closed)] = report._read_group(
            complaints, ["category_id"], ["__count", "resolution_hours:avg", "rating:avg", "is_closed:bool_and"]
        )
        self.assertEqual((category, count), (self.complaint, 6))
        self.assertAlmostEqual(hours, 10.0, places=3, msg="the open one has no resolution time")
        self.assertAlmostEqual(rating, 2.2, places=3)  # 2, 2, 3, 3, 1
        self.assertFalse(all_closed, "one is still open")
        self.assertEqual(self._score(self.unhappy).complaint_count, 3)

    def test_access(self):
        self._recompute()
        report = self.env["crm.loyalty.ticket.report"]
        # a salesperson without helpdesk rights: only the tickets helpdesk's rules show them (none here)
        self.assertFalse(report.with_user(self.seller).search([]))
        # with them: their own customers' tickets
        self.seller.groups_id |= self.env.ref("helpdesk_mgmt.group_helpdesk_user")
        mine = report.with_user(self.seller).search([])
        self.assertEqual(mine.partner_id, self.unhappy, "a salesperson sees their own customers")
        self.assertEqual(len(mine), 3)
        self.assertEqual(
            self.env["crm.loyalty.score"].with_user(self.seller)._loyalty_satisfaction_alert_count(self.company), 1
        )
        billing = new_test_user(self.env, login="satisfaction_billing", groups="account.group_account_invoice")
        with self.assertRaises(AccessError):
            report.with_user(billing).search([])
        with self.assertRaises(AccessError):
            self.env["crm.loyalty.score"].with_user(billing).action_loyalty_satisfaction_analysis()
        with self.assertRaises(AccessError):
            self.company.with_user(billing).read(["loyalty_satisfaction_threshold"])
        for name in ("satisfaction_alert", "satisfaction_trend"):
            self.assertTrue(self.env["crm.loyalty.score"]._fields[name].store)

    def test_workbook_sheets(self):
        self._recompute()
        attachment = self.env["crm.loyalty.workbook"].loyalty_export_workbook(company=self.company)
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)), read_only=True)
        rows = list(book["Satisfaction"].iter_rows(values_only=True))
        level = self._score(self.unhappy).level_id
        level_row = next(row for row in rows[3:] if row[0] == level.name)
        rated = [("level_id", "=", level.id), ("rating", "!=", False), ("company_id", "=", self.company.id)]
        self.assertEqual(level_row[1], self.env["crm.loyalty.ticket.report"].search_count(rated))
        self.assertGreaterEqual(level_row[1], 2)
        months = [row[0] for row in rows if row[0] in ("Jan 2025", "May 2025", "Jun 2025")]
        self.assertEqual(months, ["Jan 2025", "May 2025", "Jun 2025"])
        alert_title = next(i for i, row in enumerate(rows) if row[0] == "Low Satisfaction, Profit Potential")
        listed = {row[0] for row in rows[alert_title + 2 :] if row[0]}
        self.assertEqual(listed, {"Unhappy Key", "Falling Key"})
        complaints = list(book["Complaint Analysis"].iter_rows(values_only=True))
        category_row = next(row for row in complaints if row[0] == "Late delivery")
        self.assertEqual(category_row[1:4], (6, 3, 1))  # complaints, customers, still open
        self.assertAlmostEqual(category_row[4], 10.0)
        self.assertAlmostEqual(category_row[5], 2.2)
