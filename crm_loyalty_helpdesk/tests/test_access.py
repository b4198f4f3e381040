# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_loyalty.tests.common import LoyaltyCommon
from odoo.addons.crm_loyalty.tests.test_access import foreign_fields


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestHelpdeskAccess(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("helpdesk_mgmt.group_helpdesk_manager")
        groups = "helpdesk_mgmt.group_helpdesk_user"
        cls.agent = new_test_user(cls.env, login="loyalty_agent", groups=groups)
        cls.salesman = new_test_user(
            cls.env, login="loyalty_agent_sales", groups=f"{groups},sales_team.group_sale_salesman"
        )
        cls.colleague = new_test_user(cls.env, login="loyalty_agent_colleague", groups="sales_team.group_sale_salesman")
        cls.mine = cls._partner("Mine Ltd", user_id=cls.salesman.id)
        cls.theirs = cls._partner("Theirs Ltd", user_id=cls.colleague.id)
        cls._invoices([{"partner": cls.mine, "amount": 500.0}, {"partner": cls.theirs, "amount": 900.0}])
        cls.env["res.partner"].loyalty_recompute(cls.company)
        cls.tickets = cls.env["helpdesk.ticket"].create(
            [{"name": "Help", "description": "<p>Help</p>", "partner_id": p.id} for p in (cls.mine, cls.theirs)]
        )
        cls.category = cls.env["helpdesk.ticket.category"].create({"name": "Complaint", "is_complaint": True})

    def test_ticket_fields_are_restricted(self):
        ticket_fields = [name for model, name in foreign_fields(self.env) if model == "helpdesk.ticket"]
        self.assertEqual(set(ticket_fields), {"loyalty_level_id", "loyalty_level_code"})
        env = self.env(user=self.agent)
        tickets = self.tickets.with_env(env)
        for name in ticket_fields:
            with self.subTest(field=name):
                with self.assertRaises(AccessError):
                    tickets.read([name])
                if tickets._fields[name]._description_searchable:
                    with self.assertRaises(AccessError):
                        env["helpdesk.ticket"].search([(name, "!=", False)])
        with self.assertRaises(AccessError):
            self.category.with_env(env).read(["is_complaint"])
        # the agent opens tickets and categories without any loyalty field and without error
        for model, records in (("helpdesk.ticket", tickets), ("helpdesk.ticket.category", self.category)):
            views = env[model].get_views([(False, "form"), (False, "list"), (False, "search")])
            for view in views["views"].values():
                self.assertNotRegex(view["arch"], r'name="(loyalty_|is_complaint)')
            form = env[model].get_views([(False, "form")])["models"][model]["fields"]
            records.with_env(env).web_read(dict.fromkeys(form, {}))

    def test_salesperson_sees_the_level_of_own_customers(self):
        self.assertTrue(all(self.tickets.mapped("loyalty_level_id")))
        env = self.env(user=self.salesman)
        mine, theirs = self.tickets.with_env(env)
        self.assertEqual(mine.loyalty_level_id, self._score(self.mine).level_id)
        self.assertFalse(theirs.loyalty_level_id, "another salesperson's customer")
        found = env["helpdesk.ticket"].search([("loyalty_level_id", "!=", False), ("id", "in", self.tickets.ids)])
        self.assertEqual(found, mine)

    # issue 23, item 6: the level guessed from a ticket's onchange
    def test_priority_onchange_needs_helpdesk_rights_and_the_company(self):
        other_company = self.setup_other_company()["company"]
        top = self._partner("Top Ltd")  # a Top customer of both companies
        self._invoices(
            [{"partner": top, "amount": 99999.0, "company": company} for company in (self.company, other_company)]
        )
        for company in (self.company, other_company):
            self.env["res.partner"].loyalty_recompute(company)
        self.env["crm.loyalty.level"].search([("code", "=", "top")]).helpdesk_priority = "3"
        self.assertEqual(self._level(top), "top")
        employee = new_test_user(self.env, login="loyalty_plain_employee", groups="base.group_user")
        # who may record the ticket: the agent, in their company
        spec = {"priority": {}, "partner_id": {}, "company_id": {}}
        values = {"partner_id": top.id, "company_id": self.company.id, "priority": "0"}
        result = self.env(user=self.agent)["helpdesk.ticket"].onchange(values, ["partner_id"], spec)
        self.assertEqual(result["value"].get("priority"), "3")
        # an employee without helpdesk rights learns nothing; nor does an agent of a company they are not in
        for user, company in ((employee, self.company), (self.agent, other_company)):
            with self.subTest(user=user.login, company=company.name):
                env = self.env(user=user)
                result = env["helpdesk.ticket"].onchange({**values, "company_id": company.id}, ["partner_id"], spec)
                self.assertNotIn("priority", result["value"])

    # issue 23, item 7: the service analysis shows a ticket only to who may read it
    def test_ticket_report_follows_the_tickets_rules(self):
        Report = self.env["crm.loyalty.ticket.report"]
        self.assertEqual(len(Report.search([("ticket_id", "in", self.tickets.ids)])), 2)
        # an own-documents salesperson without helpdesk rights: the colleague's customer's ticket is theirs by
        # the report's rules (their customer), not by helpdesk's (not their ticket)
        salesperson = self.env(user=self.colleague)
        self.assertFalse(salesperson["crm.loyalty.ticket.report"].search([]))
        self.assertFalse(salesperson["crm.loyalty.ticket.report"].read_group([], ["rating:avg"], ["level_id"]))
        with self.assertRaises(AccessError):
            Report.search([("partner_id", "=", self.theirs.id)]).with_env(salesperson).read(["agent_id"])
        # a ticket they follow (helpdesk lets an employee read it): its row shows
        theirs = self.tickets.filtered(lambda ticket: ticket.partner_id == self.theirs)
        theirs.message_subscribe(self.colleague.partner_id.ids)
        self.assertEqual(salesperson["crm.loyalty.ticket.report"].search([]).ticket_id, theirs)
        # an agent who is also a salesperson: their own customers' tickets
        rows = self.env(user=self.salesman)["crm.loyalty.ticket.report"].search([])
        self.assertEqual(rows.ticket_id, self.tickets.filtered(lambda t: t.partner_id == self.mine))
