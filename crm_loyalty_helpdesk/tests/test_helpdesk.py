# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import Form, TransactionCase, tagged

from odoo.addons.crm_loyalty.tests.common import LoyaltyCommon

from ..models.crm_loyalty_level import DEFAULT_PRIORITIES


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestLoyaltyHelpdesk(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("helpdesk_mgmt.group_helpdesk_manager")
        cls.top = cls._partner("Top Client", email="top@example.com")
        cls.top_contact = cls.env["res.partner"].create(
            {"name": "Top Buyer", "parent_id": cls.top.id, "email": "buyer@top.example.com"}
        )
        cls.small = cls._partner("Small Client")
        cls.quiet = cls._partner("Quiet Client")
        cls._invoices(
            [
                {"partner": cls.top, "amount": 9000.0},
                {"partner": cls.small, "amount": 10.0},
                {"partner": cls.quiet, "amount": 20.0},
            ]
        )
        cls.env["res.partner"].loyalty_recompute(cls.company, history_months=3)  # KPI months need the history
        cls.complaint = cls.env["helpdesk.ticket.category"].create({"name": "Complaint", "is_complaint": True})
        cls.question = cls.env["helpdesk.ticket.category"].create({"name": "Question"})
        cls.closed_stage = cls.env["helpdesk.ticket.stage"].search([("closed", "=", True)], limit=1)

    def _ticket(self, partner, **vals):
        return self.env["helpdesk.ticket"].create(
            {"name": "Help", "description": "<p>Help</p>", "partner_id": partner.id, **vals}
        )

    def test_default_ticket_priority_per_level(self):
        """Each level's default priority, for the companies there were at installation and for a new one (the
        field is the bridge's: crm_loyalty has no ticket priority)."""
        self.assertEqual({code: level.helpdesk_priority for code, level in self.levels.items()}, DEFAULT_PRIORITIES)
        # at installation, the levels without a priority get their default one; a priority set stays
        self.levels["small"].helpdesk_priority = "2"
        self.env.cr.execute(
            "UPDATE crm_loyalty_level SET helpdesk_priority = NULL WHERE id = %s", [self.levels["top"].id]
        )
        self.env["crm.loyalty.level"]._loyalty_default_priorities()
        self.assertEqual((self.levels["top"].helpdesk_priority, self.levels["small"].helpdesk_priority), ("3", "2"))
        company = self.env["res.company"].create({"name": "Priorities Ltd"})
        levels = self.env["crm.loyalty.level"].search([("company_id", "=", company.id)])
        self.assertEqual({level.code: level.helpdesk_priority for level in levels}, DEFAULT_PRIORITIES)
        field = self.env["ir.model.fields"]._get("crm.loyalty.level", "helpdesk_priority")
        self.assertEqual(field.modules, "crm_loyalty_helpdesk")

    def test_priority_from_the_level(self):
        self.assertEqual(self._level(self.top), "top")
        self.assertEqual(self._ticket(self.top_contact).priority, "3")
        self.assertEqual(self._ticket(self.small).priority, "0")
        # an explicit priority is kept, and an agent can change it
        ticket = self._ticket(self.top, priority="1")
        self.assertEqual(ticket.priority, "1")
        ticket.priority = "2"
        self.assertEqual(ticket.priority, "2")
        # the level policy is configurable
        self.levels["small"].helpdesk_priority = "2"
        self.assertEqual(self._ticket(self.small).priority, "2")
        # from the form too
        with Form(self.env["helpdesk.ticket"]) as form:
            form.name = "Form ticket"
            form.description = "<p>Hi</p>"
            form.partner_id = self.top_contact
        self.assertEqual(form.record.loyalty_level_id, self.levels["top"])
        # the form sends a priority on save: the level's one is set when the customer is chosen
        self.assertEqual(form.record.priority, "3")
        # and the agent may lower it before saving
        with Form(self.env["helpdesk.ticket"]) as form:
            form.name = "Form ticket, lowered"
            form.description = "<p>Hi</p>"
            form.partner_id = self.top
            self.assertEqual(form.priority, "3")
            form.priority = "1"
        self.assertEqual(form.record.priority, "1")

    def test_level_on_tickets_and_search(self):
        top_ticket, small_ticket = self._ticket(self.top_contact), self._ticket(self.small)
        self.assertEqual(top_ticket.loyalty_level_id, self.levels["top"])
        self.assertEqual(small_ticket.loyalty_level_code, "small")
        found = self.env["helpdesk.ticket"].search([("loyalty_level_id", "=", self.levels["top"].id)])
        self.assertIn(top_ticket, found)
        self.assertNotIn(small_ticket, found)
        by_code = self.env["helpdesk.ticket"].search([("loyalty_level_code", "=", "small")])
        self.assertIn(small_ticket, by_code)
        self.assertNotIn(top_ticket, by_code)

    def test_service_figures_on_the_score(self):
        created = datetime(2025, 6, 1, 9, 0, 0)
        tickets = (
            self._ticket(self.top, category_id=self.complaint.id)
            | self._ticket(self.top_contact, category_id=self.question.id)
            | self._ticket(self.top, category_id=self.complaint.id)
        )
        closed = tickets[:2]
        closed.write({"stage_id": self.closed_stage.id})
        self.env.flush_all()
        # deterministic dates: created on June 1st 9:00, closed 6 and 30 hours later
        self.env.cr.execute("UPDATE helpdesk_ticket SET create_date = %s WHERE id IN %s", [created, tuple(tickets.ids)])
        for ticket, hours in zip(closed, (6, 30), strict=True):
            self.env.cr.execute(
                "UPDATE helpdesk_ticket SET closed_date = %s WHERE id = %s",
                [created + timedelta(hours=hours), ticket.id],
            )
        tickets.invalidate_recordset()
        # ratings 5 and 3 given by the customer
        for ticket, value in zip(closed, (5, 3), strict=True):
            ticket.rating_apply(value, token=ticket._rating_get_access_token())
        self._recompute()
        score = self._score(self.top)
        self.assertEqual(score.ticket_count, 3)
        self.assertEqual(score.complaint_count, 2)
        self.assertEqual(score.open_ticket_count, 1)
        self.assertAlmostEqual(score.avg_resolution_hours, 18.0, places=1)
        self.assertEqual(score.satisfaction, 4.0)
        self.assertEqual(score.satisfaction_count, 2)
        self.assertEqual(self.top_contact.loyalty_score_id.complaint_count, 2)
        quiet = self._score(self.quiet)
        self.assertEqual(
            (quiet.ticket_count, quiet.complaint_count, quiet.avg_resolution_hours, quiet.satisfaction),
            (0, 0, 0.0, 0.0),
        )

    def test_open_tickets_in_the_visit_brief(self):
        self._ticket(self.top_contact, name="Printer broken")
        visit = self.env["crm.loyalty.visit"].create(
            {"partner_id": self.top.id, "user_id": self.env.user.id, "date_planned": self.today}
        )
        visit.action_prepare_brief()
        self.assertIn("Printer broken", visit.brief_html)

    def test_average_satisfaction_in_the_monthly_kpis(self):
        self.small.email = "small@example.com"
        tickets = self._ticket(self.top) | self._ticket(self.top_contact) | self._ticket(self.small)
        tickets.write({"stage_id": self.closed_stage.id})
        for ticket, value in zip(tickets, (5, 2, 4), strict=True):
            ticket.rating_apply(value, token=ticket._rating_get_access_token())
        self.env.flush_all()
        ratings = self.env["rating.rating"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "in", tickets.ids)]
        )
        # the first two ratings given in May, the third one in June
        self.env.cr.execute(
            "UPDATE rating_rating SET write_date = %s WHERE id IN %s",
            [datetime(2025, 5, 20, 10, 0, 0), tuple(ratings.filtered(lambda r: r.res_id in tickets[:2].ids).ids)],
        )
        self.env.cr.execute(
            "UPDATE rating_rating SET write_date = %s WHERE id = %s",
            [datetime(2025, 6, 3, 10, 0, 0), ratings.filtered(lambda r: r.res_id == tickets[2].id).id],
        )
        ratings.invalidate_recordset()
        may = self.env["crm.loyalty.kpi"]._compute_month(datetime(2025, 5, 1).date(), self.company)
        total = may.filtered(lambda r: not r.user_id and not r.level_id)
        self.assertEqual((total.satisfaction, total.satisfaction_count), (3.5, 2))
        june = self.env["crm.loyalty.kpi"]._compute_month(datetime(2025, 6, 1).date(), self.company)
        total = june.filtered(lambda r: not r.user_id and not r.level_id)
        self.assertEqual((total.satisfaction, total.satisfaction_count), (4.0, 1))
        level = self._score(self.small).level_id
        small_row = june.filtered(lambda r: r.level_id == level)
        self.assertEqual(small_row.satisfaction, 4.0)


@tagged("post_install", "-at_install")
class TestHelpdeskDemo(TransactionCase):
    def test_demo_tickets_and_ratings_vary_by_level(self):
        """The demo's tickets: more for the larger customers, rated better at the top of the pyramid, complaints
        among them, and a Big customer whose satisfaction fell (an alert)."""
        if not self.env.ref("crm_loyalty_helpdesk.demo_category_question", raise_if_not_found=False):
            self.skipTest("the bridge was installed without demo data")
        company = self.env.ref("base.main_company")
        report = self.env["crm.loyalty.ticket.report"]
        per_level = {
            level.code: (count, rating)
            for level, count, rating in report._read_group(
                [("company_id", "=", company.id)], ["level_id"], ["__count", "rating:avg"]
            )
        }
        scores = self.env["crm.loyalty.score"]
        customers = dict(scores._read_group([("company_id", "=", company.id)], ["level_code"], ["__count"]))
        self.assertGreater(per_level["top"][0] / customers["top"], per_level["small"][0] / customers["small"])
        self.assertGreater(per_level["top"][1], per_level["medium"][1])
        self.assertGreater(per_level["medium"][1], per_level["inactive"][1])
        self.assertTrue(report.search_count([("company_id", "=", company.id), ("is_complaint", "=", True)]))
        alerts = scores.search([("company_id", "=", company.id), ("satisfaction_alert", "=", True)])
        self.assertIn("big", alerts.mapped("level_code"))
