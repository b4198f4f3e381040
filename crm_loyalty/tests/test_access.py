# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Who may read and do what: a matrix of user types over every field the module adds to models it
does not own (found by introspection) and over every action."""

import base64
import io
from datetime import timedelta

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import LoyaltyCommon

MODULES = ("crm_loyalty", "crm_loyalty_helpdesk")
USER = "crm_loyalty.group_loyalty_user"
MANAGER = "crm_loyalty.group_loyalty_manager"

KINDS = ("public", "portal", "employee", "own", "all", "manager", "other_company")
# who may read a field restricted to each group (the "other company" user is a loyalty manager of another company)
READERS = {USER: {"own", "all", "manager", "other_company"}, MANAGER: {"manager", "other_company"}}


def foreign_fields(env):
    """(model, field) of every field the module adds to a model of another module."""
    return sorted(
        (name, field_name)
        for name, model in env.registry.items()
        if model._original_module not in MODULES
        for field_name, field in model._fields.items()
        if field._module in MODULES
    )


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestAccessMatrix(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company()["company"]
        company = cls.company

        def user(login, groups, companies=company):
            return new_test_user(
                cls.env(su=True), login=login, groups=groups, company_id=companies[:1].id, company_ids=companies.ids
            ).sudo(False)

        cls.users = {
            "public": cls.env.ref("base.public_user"),
            "portal": user("loyalty_portal", "base.group_portal"),
            "employee": user("loyalty_employee", "base.group_user"),
            "own": user("loyalty_own", "sales_team.group_sale_salesman"),
            "all": user("loyalty_all", "sales_team.group_sale_salesman_all_leads"),
            "manager": user("loyalty_manager", f"base.group_user,{MANAGER}"),
            "other_company": user("loyalty_other_company", f"base.group_user,{MANAGER}", cls.other_company),
        }
        cls.colleague = user("loyalty_colleague", "sales_team.group_sale_salesman")
        cls.mine = cls._partner("Mine Ltd", user_id=cls.users["own"].id)
        cls.theirs = cls._partner("Theirs Ltd", user_id=cls.colleague.id)
        cls.nobody = cls._partner("Nobody's Ltd")
        cls.customers = cls.mine | cls.theirs | cls.nobody
        last_month = cls.today.replace(day=1) - timedelta(days=1)
        cls._invoices(
            [{"partner": p, "amount": amount} for p, amount in zip(cls.customers, (900.0, 500.0, 100.0), strict=True)]
            + [{"partner": p, "amount": 50.0, "date": last_month} for p in cls.customers]
            + [{"partner": cls.mine, "amount": 70.0, "company": cls.other_company}]
        )
        recompute = cls.env["res.partner"].loyalty_recompute
        recompute(cls.company, history_months=3)  # last month's KPIs need the levels at its start
        recompute(cls.other_company)
        cls.env["crm.loyalty.kpi"]._compute_month(last_month, cls.company)
        cls.economics = cls.env["crm.loyalty.workbook"]._loyalty_default_economics(cls.company)
        cls.env["crm.loyalty.migration"].create(
            {"company_id": company.id, "date_a": cls.today - timedelta(days=400), "date_b": cls.today}
        ).action_compute()
        cls.env["crm.loyalty.target"].create(
            [{"user_id": u.id, "company_id": company.id} for u in (cls.users["own"], cls.colleague)]
        )
        Visit = cls.env["crm.loyalty.visit"]
        cls.my_visit = Visit.create(
            {"partner_id": cls.mine.id, "user_id": cls.users["own"].id, "date_planned": cls.today + timedelta(days=3)}
        )
        cls.their_visit = Visit.create(
            {"partner_id": cls.theirs.id, "user_id": cls.colleague.id, "date_planned": cls.today + timedelta(days=3)}
        )
        # everybody sees the orders (no salesperson): only the loyalty figures on them differ
        cls.orders = cls.env["sale.order"].create(
            [
                {
                    "partner_id": p.id,
                    "user_id": False,
                    "order_line": [Command.create({"product_id": cls.product_cost.id})],
                }
                for p in cls.customers
            ]
        )

    def _env(self, kind):
        user = self.users[kind]
        return self.env(user=user, context={"allowed_company_ids": user.sudo().company_ids.ids})

    # ------------------------------------------------------------------
    # fields added to other models
    # ------------------------------------------------------------------

    def test_every_foreign_field_is_restricted(self):
        fields_found = foreign_fields(self.env)
        models_found = {model for model, _name in fields_found}
        # the introspection finds the module's extensions (so that it cannot pass by finding nothing)
        self.assertLessEqual({"res.partner", "sale.order", "res.company", "res.config.settings"}, models_found)
        for model, name in fields_found:
            field = self.env[model]._fields[name]
            with self.subTest(field=f"{model}.{name}"):
                self.assertIn(field.groups, READERS, "a field on another model must be for Loyalty Users or Managers")
                for kind in KINDS:
                    allowed = kind in READERS[field.groups]
                    records = self.env[model].with_env(self._env(kind))
                    if allowed:
                        records.check_field_access_rights("read", [name])
                    else:
                        with self.assertRaises(AccessError, msg=f"{kind} reads {model}.{name}"):
                            records.check_field_access_rights("read", [name])

    def _operations(self, env, records, name):
        """What a user can do with a field over RPC: read, export, search (searchable fields), group (stored)."""
        records = records.with_env(env)
        field = records._fields[name]
        operations = [lambda: records.read([name]), lambda: records.export_data([name])]
        if field._description_searchable:
            operations.append(lambda: records.search([(name, "!=", False)]))
        if field._description_groupable(self.env):
            operations.append(lambda: records.read_group([], [name], [name]))
        return operations

    def test_others_read_contacts_and_orders_without_figures(self):
        """Read, search, group and export of the loyalty fields are refused to users without loyalty rights
        on records they can read; their contact and sales order forms open without any loyalty field."""
        billing = new_test_user(self.env, login="loyalty_billing", groups="account.group_account_invoice")
        portal = self.users["portal"]
        cases = [
            (self._env("employee"), "res.partner", self.customers),
            (self.env(user=portal), "res.partner", portal.partner_id),
            (self.env(user=billing), "sale.order", self.orders),
        ]
        for env, model, records in cases:
            records.with_env(env).read(["display_name"])  # the records themselves are readable
            for name in [name for m, name in foreign_fields(self.env) if m == model]:
                with self.subTest(user=env.user.login, field=f"{model}.{name}"):
                    for operation in self._operations(env, records, name):
                        with self.assertRaises(Exception) as refusal:
                            operation()
                        self.assertIsInstance(refusal.exception, AccessError | UserError)
        # a billing user (no loyalty right) opens contacts and sales orders: no loyalty field in the views,
        # no error (a bare employee cannot open the contact form of vanilla Odoo: days_sales_outstanding)
        billing_env = self.env(user=billing)
        for env, model, records in ((billing_env, "res.partner", self.customers), cases[2]):
            views = env[model].get_views([(False, "form"), (False, "list"), (False, "search")])
            for view in views["views"].values():
                self.assertNotRegex(view["arch"], r'name="(loyalty_|action_loyalty)', f"{model} {view['id']}")
            form = env[model].get_views([(False, "form")])["models"][model]["fields"]
            self.assertEqual(len(records.with_env(env).web_read(dict.fromkeys(form, {}))), len(records))
        # a salesperson's contact form has the Loyalty tab and reads it
        env = self._env("own")
        arch = env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("loyalty_score_ids", arch)
        result = self.mine.with_env(env).web_read({"loyalty_score_ids": {"fields": {"revenue_window": {}}}})
        self.assertEqual(result[0]["loyalty_score_ids"][0]["revenue_window"], 950.0)

    # ------------------------------------------------------------------
    # records: salesperson scope and companies
    # ------------------------------------------------------------------

    def test_salesperson_scope(self):
        # customers whose scores in the first company each user reads
        visible = {
            "own": self.mine | self.nobody,
            "all": self.customers,
            "manager": self.customers,
            "other_company": self.env["res.partner"],
        }
        for kind, partners in visible.items():
            env = self._env(kind)
            # in its own company, the other company's manager sees the levels there (the shared contacts are
            # scored in both companies: Mine Ltd bought there, the others are suspects)
            with_level = self.customers if kind == "other_company" else partners
            with self.subTest(kind=kind):
                for partner in self.customers:
                    self.assertEqual(bool(partner.with_env(env).loyalty_level_id), partner in with_level, partner.name)
                for order in self.orders:
                    self.assertEqual(
                        bool(order.with_env(env).loyalty_level_id), order.partner_id in partners, order.name
                    )
                found = env["res.partner"].search([("loyalty_level_id", "!=", False), ("id", "in", self.customers.ids)])
                self.assertEqual(found, with_level)
                in_scope = [("partner_id", "in", self.customers.ids), ("company_id", "=", self.company.id)]
                self.assertEqual(env["crm.loyalty.score"].search(in_scope).partner_id, partners)
                self.assertEqual(env["crm.loyalty.history"].search(in_scope).partner_id, partners)
                self.assertEqual(env["crm.loyalty.migration.line"].search(in_scope).partner_id, partners)
        # visits: their own and their customers'; KPI rows and annual plans: their own
        own, everyone = self._env("own"), self._env("all")
        self.assertEqual(own["crm.loyalty.visit"].search([]), self.my_visit)
        self.assertEqual(everyone["crm.loyalty.visit"].search([]), self.my_visit | self.their_visit)
        salespeople = self.users["own"] | self.colleague
        own_rows = own["crm.loyalty.kpi"].search([("user_id", "in", salespeople.ids)])
        self.assertEqual(own_rows.user_id, self.users["own"])
        # the company's and the levels' rows count every customer: for users who may read all of them
        self.assertFalse(own["crm.loyalty.kpi"].search([("user_id", "=", False)]))
        self.assertTrue(everyone["crm.loyalty.kpi"].search([("user_id", "=", False), ("level_id", "=", False)]))
        self.assertEqual(everyone["crm.loyalty.kpi"].search([("user_id", "in", salespeople.ids)]).user_id, salespeople)
        self.assertEqual(own["crm.loyalty.target"].search([]).user_id, self.users["own"])
        self.assertEqual(everyone["crm.loyalty.target"].search([]).user_id, salespeople)

    def test_company_rules_on_every_model(self):
        """A user allowed in one company sees nothing of another, on every model of the module."""
        env = self._env("other_company")
        models_with_company = [
            name
            for name, model in self.env.registry.items()
            if model._original_module in MODULES
            and not model._abstract
            and not model._transient
            and "company_id" in model._fields
        ]
        self.assertGreaterEqual(len(models_with_company), 10)
        for name in models_with_company:
            with self.subTest(model=name):
                domain = [("company_id", "=", self.company.id)]
                if name in ("crm.loyalty.level", "crm.loyalty.score", "crm.loyalty.history", "crm.loyalty.run"):
                    self.assertTrue(self.env[name].search_count(domain), "the first company has records")
                self.assertFalse(env[name].search(domain))
        # the scores of its own company are there
        self.assertTrue(env["crm.loyalty.score"].search([("partner_id", "=", self.mine.id)]))
        self.assertEqual(self.mine.with_env(env).loyalty_score_ids.company_id, self.other_company)

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------

    def _actions(self):
        score = self._score(self.mine)
        their_score = self._score(self.theirs)
        level = self.levels["big"]
        return {
            "recompute": (lambda env: env["res.partner"].loyalty_recompute(self.company), {"manager"}),
            "recompute own company": (
                lambda env: env["res.partner"].loyalty_recompute(env.company),
                {"manager", "other_company"},
            ),
            "override": (
                lambda env: env["crm.loyalty.override.wizard"]
                .create({"partner_id": self.mine.id, "level_id": level.id, "reason": "Strategic"})
                .action_apply(),
                {"manager"},
            ),
            "clear override": (lambda env: score.with_env(env).action_clear_override(), {"manager"}),
            "flag own customer": (
                lambda env: score.with_env(env).action_toggle_innovative(),
                {"own", "all", "manager"},
            ),
            "flag another's customer": (
                lambda env: their_score.with_env(env).action_toggle_influential(),
                {"all", "manager"},
            ),
            "generate visit plans": (self._generate_plans, {"manager", "other_company"}),
            "dashboard": (
                lambda env: env["crm.loyalty.dashboard"].action_open_dashboard(),
                {"own", "all", "manager", "other_company"},
            ),
            "economics": (
                lambda env: env["crm.loyalty.economics"].create({"company_id": self.company.id}).action_compute(),
                {"manager"},
            ),
            "export": (
                lambda env: env["crm.loyalty.workbook"].loyalty_export_workbook(company=self.company),
                {"own", "all", "manager"},
            ),
            "own visit": (
                lambda env: env["crm.loyalty.visit"].create(
                    {"partner_id": self.nobody.id, "user_id": env.uid, "date_planned": self.today}
                ),
                {"own", "all", "manager", "other_company"},
            ),
            "another's visit": (
                lambda env: self.their_visit.with_env(env).write({"objective": "Mine now"}),
                {"manager"},
            ),
            # the "other company" user is a manager there
            "visit for another": (
                lambda env: env["crm.loyalty.visit"].create(
                    {"partner_id": self.nobody.id, "user_id": self.colleague.id, "date_planned": self.today}
                ),
                {"manager", "other_company"},
            ),
            "another's plan": (
                lambda env: env["crm.loyalty.visit.plan"].create(
                    {"user_id": self.colleague.id, "date_month": self.today.replace(day=1)}
                ),
                {"manager", "other_company"},
            ),
        }

    @staticmethod
    def _generate_plans(env):
        """Generate Visit Plans: allowed when it runs, even when nothing is due (it then says so)."""
        try:
            env["crm.loyalty.visit.plan"].action_generate_plans()
        except AccessError:
            raise
        except UserError as nothing:
            if "No visit plan was generated" not in str(nothing):
                raise

    def test_actions(self):
        for action, (call, allowed) in self._actions().items():
            for kind in KINDS:
                with self.subTest(action=action, kind=kind), self.env.cr.savepoint() as savepoint:
                    env = self._env(kind)
                    if kind in allowed:
                        call(env)
                    else:
                        # another company's level in the override: refused as an incompatible company
                        refusal = UserError if (action, kind) == ("override", "other_company") else AccessError
                        with self.assertRaises(refusal):
                            call(env)
                    env.invalidate_all()
                    savepoint.rollback()

    def test_export_holds_only_readable_customers(self):
        attachment = self.env["crm.loyalty.workbook"].with_env(self._env("own")).loyalty_export_workbook()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)), read_only=True)
        names = {row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
        self.assertIn(self.mine.name, names)
        self.assertIn(self.nobody.name, names)
        self.assertNotIn(self.theirs.name, names)

    def test_calendar_event_edited_by_its_salesperson(self):
        env = self._env("own")
        visit = self.my_visit.with_env(env)
        visit.date_planned = self.today + timedelta(days=5)
        event = visit.calendar_event_id
        self.assertEqual(event.start_date, self.today + timedelta(days=5))
        self.assertEqual(event.write_uid, self.users["own"], "written with the salesperson's own rights")
