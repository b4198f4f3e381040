# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two companies, seven kinds of user and a colleague's customer whose figures must not reach anyone who may
not read its score: the ground for the attacks of test_walls.py and test_attacks.py."""

from datetime import timedelta

from odoo import Command
from odoo.tests import new_test_user

from .common import LoyaltyCommon

MODULES = ("crm_loyalty", "crm_loyalty_helpdesk")
USER = "crm_loyalty.group_loyalty_user"
MANAGER = "crm_loyalty.group_loyalty_manager"
# who attacks: portal, employee, own-documents and all-documents salespeople, a Loyalty Manager, a Loyalty Manager
# allowed in the second company only, a Loyalty Manager of both companies
KINDS = ("portal", "employee", "own", "all", "manager", "other_company", "both")


class WallsCommon(LoyaltyCommon):
    # Theirs Ltd's invoice: an amount no sum of the other customers' reaches (4,321.77 + 50.00)
    THEIRS_AMOUNT = 4321.77

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company()["company"]
        company, both = cls.company, cls.company | cls.other_company

        def user(login, groups, companies=company):
            return new_test_user(
                cls.env(su=True), login=login, groups=groups, company_id=companies[:1].id, company_ids=companies.ids
            ).sudo(False)

        cls.users = {
            "portal": user("walls_portal", "base.group_portal"),
            "employee": user("walls_employee", "base.group_user"),
            "own": user("walls_own", "sales_team.group_sale_salesman"),
            "all": user("walls_all", "sales_team.group_sale_salesman_all_leads"),
            "manager": user("walls_manager", f"base.group_user,{MANAGER}"),
            "other_company": user("walls_other_company", f"base.group_user,{MANAGER}", cls.other_company),
            "both": user("walls_both", f"base.group_user,{MANAGER}", both),
        }
        cls.colleague = user("walls_colleague", "sales_team.group_sale_salesman")
        cls.mine = cls._partner("Mine Ltd", user_id=cls.users["own"].id)
        cls.theirs = cls._partner("Theirs Ltd", user_id=cls.colleague.id)
        cls.nobody = cls._partner("Nobody's Ltd")
        cls.customers = cls.mine | cls.theirs | cls.nobody
        cls.last_month = cls.today.replace(day=1) - timedelta(days=1)
        invoices = cls._invoices(
            [
                {"partner": cls.mine, "amount": 900.0},
                {"partner": cls.theirs, "amount": cls.THEIRS_AMOUNT, "due": cls.today - timedelta(days=20)},
                {"partner": cls.nobody, "amount": 100.0},
            ]
            + [{"partner": p, "amount": 50.0, "date": cls.last_month} for p in cls.customers]
            + [{"partner": cls.mine, "amount": 70.0, "company": cls.other_company}]
        )
        cls.theirs_invoice = invoices.filtered(lambda move: move.amount_untaxed == cls.THEIRS_AMOUNT)
        cls.theirs_invoice.invoice_user_id = cls.colleague
        recompute = cls.env["res.partner"].loyalty_recompute
        recompute(cls.company, history_months=3)
        recompute(cls.other_company)
        cls.env["crm.loyalty.kpi"]._compute_month(cls.last_month, cls.company)
        cls.economics = cls.env["crm.loyalty.workbook"]._loyalty_default_economics(cls.company)
        filled = cls.economics.line_ids.filtered("customers").sorted("sequence")
        cls.scenario = cls.env["crm.loyalty.scenario"].create(
            {
                "economics_id": cls.economics.id,
                "line_ids": [
                    Command.create(
                        {"from_level_id": filled[-1].level_id.id, "to_level_id": filled[0].level_id.id, "count": 1}
                    )
                ],
            }
        )
        cls.migration = cls.env["crm.loyalty.migration"].create(
            {"company_id": company.id, "date_a": cls.today - timedelta(days=400), "date_b": cls.today}
        )
        cls.migration.action_compute()
        cls.targets = cls.env["crm.loyalty.target"].create(
            [{"user_id": u.id, "company_id": company.id} for u in (cls.users["own"], cls.colleague)]
        )
        Visit = cls.env["crm.loyalty.visit"]
        in_three_days = cls.today + timedelta(days=3)
        cls.my_visit = Visit.create(
            {"partner_id": cls.mine.id, "user_id": cls.users["own"].id, "date_planned": in_three_days}
        )
        cls.their_visit = Visit.create(
            {"partner_id": cls.theirs.id, "user_id": cls.colleague.id, "date_planned": in_three_days}
        )
        # a manager sends the own-documents salesperson to the colleague's customer: the salesperson reads the
        # visit (it is theirs), not the customer's figures
        cls.sent_visit = Visit.create(
            {"partner_id": cls.theirs.id, "user_id": cls.users["own"].id, "date_planned": in_three_days}
        )
        cls.plan = cls.env["crm.loyalty.visit.plan"].create(
            {"user_id": cls.colleague.id, "date_month": cls.today.replace(day=1)}
        )
        Wallet = cls.env["crm.loyalty.wallet"]
        cls.my_estimate = Wallet.create({"partner_id": cls.mine.id, "amount": 5000.0, "user_id": cls.users["own"].id})
        cls.their_estimate = Wallet.create(
            {"partner_id": cls.theirs.id, "amount": 9876.54, "user_id": cls.colleague.id}
        )
        cls.env["res.partner"].loyalty_recompute(cls.company)  # the share of wallet of the estimates
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
        cls.their_score = cls._score_of(cls.theirs)
        cls.secrets = cls._secret_amounts()

    @classmethod
    def _score_of(cls, partner, company=None):
        return cls.env["crm.loyalty.score"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", (company or cls.company).id)]
        )

    @classmethod
    def _secret_amounts(cls):
        """Theirs Ltd's amounts in the first company that no visible customer shares: its invoice, its score's
        amounts, its spend estimate (amounts of 100 or more: a small number says nothing of a customer)."""
        score = cls.their_score
        visible = (cls._score_of(cls.mine) | cls._score_of(cls.nobody)).read()
        shared = {round(abs(value), 2) for row in visible for value in row.values() if isinstance(value, float)}
        amounts = {cls.THEIRS_AMOUNT, cls.THEIRS_AMOUNT + 50.0, 9876.54}
        for name, field in score._fields.items():
            if field.type == "monetary":
                value = score[name]
                if abs(value) >= 100.0:
                    amounts.add(round(abs(value), 2))
        return {amount for amount in amounts if amount not in shared}

    def _env(self, kind):
        user = self.users[kind]
        return self.env(user=user, context={"allowed_company_ids": user.sudo().company_ids.ids})

    # ------------------------------------------------------------------
    # what shows of Theirs Ltd
    # ------------------------------------------------------------------

    def _texts_of_secrets(self):
        texts = set()
        for amount in self.secrets:
            texts |= {f"{amount:,.2f}", f"{amount:.2f}"}
        return texts

    def _leaks_in(self, value, where):
        """What of Theirs Ltd's secret figures ``value`` (a number, a text, a list, a dict) holds."""
        found = []
        if isinstance(value, dict):
            for key, item in value.items():
                found += self._leaks_in(item, f"{where}.{key}")
        elif isinstance(value, list | tuple):
            for item in value:
                found += self._leaks_in(item, where)
        elif isinstance(value, bool) or value is None:
            pass
        elif isinstance(value, int | float):
            if any(abs(abs(value) - amount) < 0.005 for amount in self.secrets):
                found.append(f"{where}: {value}")
        elif isinstance(value, str):
            found += [f"{where}: “{text}”" for text in self._texts_of_secrets() if text in value]
        return found
