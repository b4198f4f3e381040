# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import io
import os
from datetime import date, timedelta

from freezegun import freeze_time
from PyPDF2 import PdfReader

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools.misc import find_in_path

from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestVisitPlans(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, login="visit_salesman", groups="sales_team.group_sale_salesman", company_id=cls.company.id
        )
        cls.other_salesman = new_test_user(
            cls.env, login="visit_salesman_2", groups="sales_team.group_sale_salesman", company_id=cls.company.id
        )
        # 100 active customers: 1 top, 4 big, 15 medium, 80 small
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Client {i:03d}", "is_company": True, "user_id": cls.salesman.id} for i in range(100)]
        )
        cls.top, cls.big, cls.medium = cls.customers[-1], cls.customers[-2], cls.customers[-10]
        cls.small = cls.customers[0]
        cls.lapsed = cls._partner("Lapsed", user_id=cls.other_salesman.id)
        cls.product_other = cls._create_product(name="Consulting", lst_price=500.0, standard_price=200.0)
        specs = [
            {"partner": partner, "amount": 100.0 + 10 * i, "date": cls.today - timedelta(days=i % 300)}
            for i, partner in enumerate(cls.customers)
        ]
        specs += [
            {"partner": cls.lapsed, "amount": 500.0, "date": cls.today - timedelta(days=500)},
            # a Medium peer bought "Consulting", the prepared medium customer never did
            {
                "partner": cls.customers[-11],
                "amount": 50.0,
                "product": cls.product_other,
                "date": cls.today - timedelta(days=3),
            },
        ]
        cls._invoices(specs)
        cls.env["res.partner"].loyalty_recompute(cls.company)
        cls.Plan = cls.env["crm.loyalty.visit.plan"]
        cls.july = date(2025, 7, 1)

    def _visits(self, partner):
        return self.env["crm.loyalty.visit"].search([("partner_id", "=", partner.id)])

    def test_generation_respects_cadence_and_last_visit(self):
        self.assertEqual(
            (self._level(self.top), self._level(self.big), self._level(self.medium)), ("top", "big", "medium")
        )
        self.assertEqual(self._level(self.lapsed), "inactive")
        # the top customer (monthly) was visited on June 20th: due on Sunday July 20th, planned on Monday 21st
        self.env["crm.loyalty.visit"].create(
            {"partner_id": self.top.id, "user_id": self.salesman.id, "date_planned": date(2025, 6, 20), "state": "done"}
        )
        # the big customer (every two months) was visited on June 5th: not due in July
        self.env["crm.loyalty.visit"].create(
            {"partner_id": self.big.id, "user_id": self.salesman.id, "date_planned": date(2025, 6, 5), "state": "done"}
        )
        plans = self.Plan._generate_plans(self.july, self.company)
        self.assertEqual(len(plans), 2, "one plan per salesperson")
        plan = plans.filtered(lambda p: p.user_id == self.salesman)
        self.assertEqual(plan.date_month, self.july)
        self.assertEqual(self._visits(self.top).filtered(lambda v: v.plan_id == plan).date_planned, date(2025, 7, 21))
        self.assertFalse(self._visits(self.big).filtered("plan_id"))
        self.assertTrue(self._visits(self.medium).filtered(lambda v: v.plan_id == plan), "never visited: due")
        self.assertFalse(self._visits(self.small), "Small customers get no regular visit")
        # 1 top + 3 big never visited + 15 medium
        self.assertEqual(len(plan.visit_ids), 19)
        # visits already due are spread over the working days of the month
        dates = plan.visit_ids.mapped("date_planned")
        self.assertTrue(all(date(2025, 7, 1) <= day <= date(2025, 7, 31) and day.weekday() < 5 for day in dates))
        self.assertGreater(len(set(dates)), 10)
        winback = plans.filtered(lambda p: p.user_id == self.other_salesman).visit_ids
        self.assertEqual(winback.partner_id, self.lapsed)
        self.assertIn("Win-back", winback.objective)
        # generating again adds nothing; the win-back visit is not repeated in August
        self.Plan._generate_plans(self.july, self.company)
        self.assertEqual(len(plan.visit_ids), 19)
        august = self.Plan._generate_plans(date(2025, 8, 1), self.company)
        self.assertFalse(august.visit_ids.filtered(lambda v: v.partner_id == self.lapsed))
        self.assertIn(self.top, august.visit_ids.partner_id)
        # medium (quarterly) customers planned in July are not due again in August
        self.assertNotIn(self.medium, august.visit_ids.partner_id)

    def test_generation_contacts_and_salesperson_fallback(self):
        # a visit to a contact person counts as a visit to the customer
        contact = self.env["res.partner"].create({"name": "Top's buyer", "parent_id": self.top.id})
        self.env["crm.loyalty.visit"].create(
            {"partner_id": contact.id, "user_id": self.salesman.id, "date_planned": date(2025, 6, 25), "state": "done"}
        )
        # a medium customer without salesperson goes to the leader of the level's customer team
        orphan = self.customers[-12]
        self.assertEqual(self._level(orphan), "medium")
        orphan.user_id = False
        self.levels["medium"].team_id = self.env["crm.team"].create(
            {"name": "Medium customers", "user_id": self.other_salesman.id}
        )
        plans = self.Plan._generate_plans(self.july, self.company)
        top_visit = plans.visit_ids.filtered(lambda v: v.partner_id == self.top)
        self.assertEqual(top_visit.date_planned, date(2025, 7, 25))
        self.assertEqual(plans.visit_ids.filtered(lambda v: v.partner_id == orphan).user_id, self.other_salesman)
        self.assertEqual(self.top.loyalty_score_id.next_visit_date, date(2025, 7, 25))
        # the "Visits" smart button of the company and of its contact show the company's visits
        self.assertEqual((self.top.loyalty_visit_count, contact.loyalty_visit_count), (2, 2))
        action = contact.action_loyalty_open_visits()
        self.assertEqual(
            self.env["crm.loyalty.visit"].search(action["domain"]),
            plans.visit_ids.filtered(lambda v: v.partner_id == self.top)
            | self.env["crm.loyalty.visit"].search([("partner_id", "=", contact.id)]),
        )
        # a confirmed plan is never completed by a later generation
        plan = plans.filtered(lambda p: p.user_id == self.salesman)
        plan.action_confirm()
        plan.visit_ids.filtered(lambda v: v.partner_id == self.medium).write(
            {"state": "cancelled", "cancel_reason": "Moved"}
        )
        self.Plan._generate_plans(self.july, self.company)
        self.assertEqual(len(plan.visit_ids), 19)

    def test_brief_contents(self):
        overdue = self._invoices([{"partner": self.medium, "amount": 777.0, "date": self.today - timedelta(days=90)}])
        overdue.invoice_date_due = self.today - timedelta(days=45)
        self.env["crm.lead"].create(
            [
                {
                    "name": "Audit 2026",
                    "type": "opportunity",
                    "partner_id": self.medium.id,
                    "expected_revenue": 5000,
                    "user_id": self.salesman.id,
                },
                # another salesperson's opportunity: not in the salesperson's printed brief (their rights)
                {"name": "Tax 2027", "type": "opportunity", "partner_id": self.medium.id, "user_id": self.env.uid},
            ]
        )
        visit = self.env["crm.loyalty.visit"].create(
            {"partner_id": self.medium.id, "user_id": self.salesman.id, "date_planned": date(2025, 7, 10)}
        )
        visit.action_prepare_brief()
        brief = visit.brief_html
        self.assertTrue(visit.brief_date)
        self.assertIn("Medium", brief)
        self.assertIn("Audit 2026", brief)
        self.assertIn(overdue.name, brief)
        self.assertIn("777.00", brief)
        self.assertIn("Consulting", brief, "bought by a Medium peer, never by this customer")
        self.assertIn("Lifetime value", brief)
        self.assertIn("new in the pyramid", brief, "the level's last change")
        # printable (by the report's xmlid), also by the salesperson
        html = (
            self.env["ir.actions.report"]
            .with_user(self.salesman)
            ._render_qweb_html("crm_loyalty.crm_loyalty_visit_report", visit.ids)[0]
        )
        self.assertIn(b"Audit 2026", html)
        self.assertNotIn(b"Tax 2027", html)
        self.assertIn(b"Products to propose", html)

    def test_generate_says_why_it_does_nothing(self):
        """Generate Visit Plans with nobody to visit the customers due: a sentence naming them and what to do;
        with a team on the Top level, the plan of its leader and a warning for the others."""
        (self.customers | self.lapsed).user_id = False
        self.assertFalse(self.levels["top"].team_id)
        Plan = self.Plan.with_context(tz="UTC")
        with self.assertRaisesRegex(UserError, r"have no salesperson, and their levels \(.*Top.*\) no customer team"):
            Plan.action_generate_plans()
        self.levels["top"].team_id = self.env["crm.team"].create({"name": "Key", "user_id": self.salesman.id})
        action = Plan.action_generate_plans()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("Big", action["params"]["message"])
        self.assertEqual(self.Plan.search(action["params"]["next"]["domain"]).user_id, self.salesman)
        # once every customer due has its visit: nothing to do, and it says so
        with self.assertRaisesRegex(UserError, "no salesperson"):
            Plan.action_generate_plans()

    def test_buttons_only_for_who_may_use_them(self):
        everyone = new_test_user(self.env, login="visit_all", groups="sales_team.group_sale_salesman_all_leads")
        for user, shown in ((everyone, False), (self.env.user, True)):
            arch = self.env["crm.loyalty.economics"].with_user(user).get_views([(False, "form")])["views"]["form"]
            self.assertEqual('name="action_compute"' in arch["arch"], shown, user.login)
            self.assertEqual('name="action_new_scenario"' in arch["arch"], shown, user.login)

    def test_brief_prints_as_pdf(self):
        """The printed brief is a PDF holding what the brief on screen holds, the payment grade included."""
        if not find_in_path("wkhtmltopdf"):
            if os.environ.get("LOYALTY_REQUIRE_PDF") == "1":
                self.fail("the PDF reports are required (LOYALTY_REQUIRE_PDF=1) and wkhtmltopdf is missing")
            self.skipTest("wkhtmltopdf is not installed: the reports print as HTML")
        overdue = self._invoices([{"partner": self.medium, "amount": 777.0, "date": self.today - timedelta(days=90)}])
        # the salesperson's own invoice: the brief lists what their rights show them
        overdue.write({"invoice_date_due": self.today - timedelta(days=45), "invoice_user_id": self.salesman.id})
        self.env["res.partner"].loyalty_recompute(self.company)
        visit = self.env["crm.loyalty.visit"].create(
            {"partner_id": self.medium.id, "user_id": self.salesman.id, "date_planned": date(2025, 7, 10)}
        )
        reports = self.env["ir.actions.report"].with_user(self.salesman).with_context(force_report_rendering=True)
        report = "crm_loyalty.crm_loyalty_visit_report"
        pdf, kind = reports._render_qweb_pdf(report, visit.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        # Debian's wkhtmltopdf (unpatched Qt) draws a page whose web stylesheet uses transparency as one image,
        # with no text to read: the text is read from the print of the same document without that stylesheet
        # (its address unreachable, as when the server is not up)
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        pdf = reports._render_qweb_pdf(report, visit.ids)[0]
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        text = " ".join(text.split())
        score = self._score(self.medium)
        self.assertEqual(score.payment_grade, "c", "45 days overdue")
        level = f"Level {score.level_id.name}"
        for expected in ("Pre-visit brief: Client 090", level, "Grade C (pays late)", overdue.name, "777.00"):
            self.assertIn(expected, text)

    def test_confirm_calendar_done_cancel_and_completion(self):
        plan = self.Plan._generate_plans(self.july, self.company).filtered(lambda p: p.user_id == self.salesman)
        plan.visit_ids[4:].unlink()  # editable before confirmation
        self.assertEqual(len(plan.visit_ids), 4)
        plan.action_confirm()
        self.assertEqual(plan.state, "confirmed")
        visits = plan.visit_ids
        for visit in visits:
            self.assertTrue(visit.brief_html)
            self.assertEqual(visit.calendar_event_id.user_id, self.salesman)
            self.assertIn(self.salesman.partner_id, visit.calendar_event_id.partner_ids)
            self.assertEqual(visit.calendar_event_id.start_date, visit.date_planned)
            self.assertEqual(
                (visit.calendar_event_id.res_model, visit.calendar_event_id.res_id), (visit._name, visit.id)
            )
        with self.assertRaises(UserError):
            plan.date_month = date(2025, 9, 1)
        # the plan's content is frozen, visits can be rescheduled in the month
        with self.assertRaises(UserError):
            visits[3].unlink()
        with self.assertRaises(UserError):
            self.env["crm.loyalty.visit"].create(
                {
                    "partner_id": self.small.id,
                    "user_id": self.salesman.id,
                    "date_planned": date(2025, 7, 9),
                    "plan_id": plan.id,
                }
            )
        with self.assertRaises(ValidationError):
            visits[3].date_planned = date(2025, 8, 4)
        visits[3].date_planned = date(2025, 7, 30)
        self.assertEqual(visits[3].calendar_event_id.start_date, date(2025, 7, 30))
        # outcome required, archived on the customer's chatter (by the salesperson)
        visit = visits[0].with_user(self.salesman)
        with self.assertRaisesRegex(UserError, "outcome"):
            visit.action_done()
        visit.write({"outcome": "positive", "feedback": "Wants a tax review in Q4"})
        visit.action_done()
        self.assertIn("Wants a tax review in Q4", visits[0].partner_id.message_ids[0].body)
        self.assertIn("Positive", visits[0].partner_id.message_ids[0].body)
        with self.assertRaises(UserError):
            visits[0].action_done()
        visits[1].write({"outcome": "neutral"})
        visits[1].action_done()
        with self.assertRaisesRegex(UserError, "reason"):
            visits[2].action_cancel()
        event = visits[2].calendar_event_id
        visits[2].cancel_reason = "Customer on holiday"
        visits[2].action_cancel()
        self.assertFalse(event.exists())
        with self.assertRaises(UserError):
            visits[2].action_done()
        self.assertEqual((plan.visit_count, plan.done_count, plan.cancelled_count), (4, 2, 1))
        self.assertEqual(plan.completion_rate, 50.0)
        self.assertEqual(
            self.env["crm.loyalty.visit"]._loyalty_next_visits(visits[3].partner_id, self.company),
            {(visits[3].partner_id.id, self.company.id): visits[3].date_planned},
        )
        self.assertEqual(visits[3].partner_id.loyalty_score_id.next_visit_date, visits[3].date_planned)

    def test_draft_edits_keep_the_calendar_clean(self):
        plan = self.Plan._generate_plans(self.july, self.company).filtered(lambda p: p.user_id == self.salesman)
        plan.action_confirm()
        plan.action_reset_draft()
        visit = plan.visit_ids[0]
        event = visit.calendar_event_id
        self.assertTrue(event)
        visit.unlink()
        self.assertFalse(event.exists())
        # a visit outside any plan goes to the calendar at once
        visit = self.env["crm.loyalty.visit"].create(
            {"partner_id": self.small.id, "user_id": self.salesman.id, "date_planned": date(2025, 7, 9)}
        )
        self.assertEqual(visit.calendar_event_id.start_date, date(2025, 7, 9))
        # a draft plan is deleted with its planned visits, a confirmed one is not
        plan.action_confirm()
        with self.assertRaises(UserError):
            plan.unlink()
        plan.action_reset_draft()
        visits = plan.visit_ids
        plan.unlink()
        self.assertFalse(visits.exists())
