# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The people of the demo: salespeople and customer teams, how the customers pay, what they spend elsewhere
(spend estimates), and the visits of the salespeople. A part of :class:`~.generator.LoyaltyDemo`."""

from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import Command

# the salespeople: Marc Demo (base's demo user) and two demo users (login = password), with their share of the
# customers; one customer in ten has no salesperson (everyone's, as Sales shows it)
SALESPEOPLE = [
    ("base.user_demo", None, 45),
    ("crm_loyalty.demo_user_chen", "Chen Jing", 33),
    ("crm_loyalty.demo_user_noah", "Noah Turner", 22),
]
UNASSIGNED_SHARE = 0.1
# how the customers pay (share of the customers, days from the due date of a 30-day term to the payment): on
# time, a little late, late, or hardly (half of what is due, months late; the last invoices not at all)
PAYERS = [("on_time", 64, (-22, 4)), ("little_late", 16, (16, 28)), ("late", 12, (35, 55)), ("risky", 8, (70, 150))]
N_WALLETS = 16
VISIT_MONTHS = 3  # visits done or cancelled in the months before this one
OUTCOMES = ["positive", "positive", "neutral", "negative"]
CANCEL_REASONS = ["Postponed by the customer", "Customer unavailable", "Replaced by a call"]


class LoyaltyDemoPeople:
    """Salespeople, teams, payments, spend estimates and visits of the demo (mixed into ``LoyaltyDemo``)."""

    def _demo_salespeople(self, company):
        """The three salespeople (own-documents salespeople of the demo company)."""
        users = self.env["res.users"]
        groups = [self.env.ref("base.group_user").id, self.env.ref("sales_team.group_sale_salesman").id]
        for xmlid, name, _share in SALESPEOPLE:
            user = self.env.ref(xmlid, raise_if_not_found=False)
            if not user:
                login = xmlid.split(".")[1].removeprefix("demo_user_")
                user = users.create(
                    {
                        "name": name,
                        "login": login,
                        "password": login,
                        "email": f"{login}@example.com",
                        "company_id": company.id,
                        "company_ids": [Command.set(company.ids)],
                        "groups_id": [Command.set(groups)],
                    }
                )
                self.env["ir.model.data"]._update_xmlids([{"xml_id": xmlid, "record": user, "noupdate": True}])
            users |= user
        return users

    def _demo_assign(self, rng, segments, salespeople):
        """Each customer's salesperson (some have none), by the salespeople's shares."""
        shares = [share for _xmlid, _name, share in SALESPEOPLE]
        by_user = defaultdict(list)
        for partner in segments["buyers"] + segments["prospect"]:
            if rng.random() >= UNASSIGNED_SHARE:
                by_user[rng.choices(salespeople, shares)[0]].append(partner.id)
        for user, partner_ids in by_user.items():
            self.env["res.partner"].browse(partner_ids).write({"user_id": user.id})

    def _demo_teams(self, company, salespeople):
        """A customer team on each level: key accounts for Top and Big (all three salespeople), the sales team
        of the company for the others."""
        key_accounts = self.env["crm.team"].create(
            {
                "name": self.env._("Key Accounts"),
                "company_id": company.id,
                "user_id": salespeople[0].id,
                "member_ids": [Command.set(salespeople.ids)],
            }
        )
        self._demo_xmlids(key_accounts, "team")
        sales = self.env.ref("sales_team.team_sales_department", raise_if_not_found=False) or key_accounts
        for level in self.env["crm.loyalty.level"].search([("company_id", "=", company.id)]):
            key = level.code in ("top", "big")
            level.write(
                {
                    "team_id": (key_accounts if key else sales).id,
                    "user_ids": [Command.set((salespeople if key else salespeople[1:]).ids)],
                }
            )

    def _demo_payments(self, rng, moves, today):
        """Pay the invoices as their customers do (:data:`PAYERS`): a payment per invoice on its day, reconciled
        with it; what falls after today stays open (overdue when past its due date)."""
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", moves.company_id.id)], limit=1
        )
        if not journal:
            return 0
        kinds = [name for name, _weight, _days in PAYERS]
        weights = [weight for _name, weight, _days in PAYERS]
        delays = {name: days for name, _weight, days in PAYERS}
        behaviour = {}
        payments, invoices = [], []
        for move in moves.filtered(lambda m: m.move_type == "out_invoice").sorted("invoice_date"):
            partner = move.commercial_partner_id
            kind = behaviour.setdefault(partner, rng.choices(kinds, weights)[0])
            low, high = delays[kind]
            pay_date = move.invoice_date_due + relativedelta(days=rng.randint(low, high))
            share = 1.0
            if kind == "risky":
                if move.invoice_date_due > today - relativedelta(months=4):
                    continue  # the last invoices of a risky customer: not paid
                share = 0.5 if rng.random() < 0.5 else 1.0
            if pay_date > today:
                continue
            payments.append(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": partner.id,
                    "amount": move.currency_id.round(move.amount_total * share),
                    "date": max(pay_date, move.invoice_date),
                    "journal_id": journal.id,
                    "memo": move.name,
                }
            )
            invoices.append(move)
        if not payments:
            return 0
        records = self.env["account.payment"].create(payments)
        records.action_post()
        for payment, invoice in zip(records, invoices, strict=True):
            lines = (payment.move_id.line_ids | invoice.line_ids).filtered(
                lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
            )
            lines.reconcile()
        return len(records)

    def _demo_wallets(self, rng, segments, today):
        """Spend estimates (share of wallet) of some customers who bought this year, by their salesperson."""
        partners = [partner for partner in segments["buyers"] if partner.user_id]
        estimates = []
        for partner in rng.sample(partners, min(N_WALLETS, len(partners))):
            revenue = sum(
                self.env["account.move"]
                .search(
                    [
                        ("commercial_partner_id", "=", partner.id),
                        ("move_type", "=", "out_invoice"),
                        ("state", "=", "posted"),
                        ("invoice_date", ">", today - relativedelta(years=1)),
                    ]
                )
                .mapped("amount_untaxed_signed")
            )
            if revenue <= 0:
                continue
            estimates.append(
                {
                    "partner_id": partner.id,
                    "amount": round(revenue * rng.uniform(1.3, 4.0), -2),
                    "date": today - relativedelta(days=rng.randint(5, 150)),
                    "user_id": partner.user_id.id,
                    "source": rng.choice(["customer", "salesperson", "salesperson", "study"]),
                }
            )
        wallets = self.env["crm.loyalty.wallet"].create(estimates)
        self._demo_xmlids(wallets, "wallet")
        return wallets

    def _demo_visits(self, rng, company, today):
        """The salespeople's visits of the last months (done with an outcome, some cancelled with a reason) and
        this month's draft visit plans, generated from the levels' cadence (Marc Demo's visits with their
        briefs)."""
        first = today.replace(day=1)
        scores = self.env["crm.loyalty.score"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id.user_id", "!=", False),
                ("level_id.code", "in", ("top", "big", "medium")),
            ]
        )
        vals_list = []
        for back in range(VISIT_MONTHS, 0, -1):
            start = first - relativedelta(months=back)
            for score in scores:
                if rng.random() < 0.45:
                    continue
                state = "cancelled" if rng.random() < 0.15 else "done"
                vals_list.append(
                    {
                        "partner_id": score.partner_id.id,
                        "user_id": score.partner_id.user_id.id,
                        "company_id": company.id,
                        "date_planned": start + relativedelta(days=rng.randint(0, 27)),
                        "objective": self.env._("Regular visit (%(level)s customer)", level=score.level_id.name),
                        "state": state,
                        "outcome": rng.choice(OUTCOMES) if state == "done" else False,
                        "cancel_reason": rng.choice(CANCEL_REASONS) if state == "cancelled" else False,
                    }
                )
        visits = self.env["crm.loyalty.visit"].create(vals_list)
        self._demo_xmlids(visits, "visit")
        plans = self.env["crm.loyalty.visit.plan"]._generate_plans(first, company)
        self._demo_xmlids(plans, "visit_plan")
        self._demo_xmlids(plans.visit_ids, "planned_visit")
        plans.filtered(lambda plan: plan.user_id == self.env.ref("base.user_demo")).visit_ids.action_prepare_brief()
        return visits, plans

    def _demo_remove_people(self):
        """At uninstall: the demo's visits (with their calendar events) and plans, its spend estimates, then its
        two salespeople, who would otherwise stay behind (the module's tables hold them)."""
        env = self.env(context=dict(self.env.context, active_test=False))
        plans = env["crm.loyalty.visit.plan"].search([])
        plans.filtered(lambda plan: plan.state == "confirmed").action_reset_draft()
        env["crm.loyalty.visit"].search([]).unlink()
        plans.unlink()
        users = env["res.users"]
        for xmlid, _name, _share in SALESPEOPLE:
            if xmlid.startswith("crm_loyalty."):
                users |= env.ref(xmlid, raise_if_not_found=False) or users
        if users:
            env["crm.loyalty.wallet"].search([("user_id", "in", users.ids)]).unlink()
            env["crm.loyalty.target"].search([("user_id", "in", users.ids)]).unlink()
            env["crm.loyalty.kpi"].search([("user_id", "in", users.ids)]).unlink()
            partners = users.partner_id
            users.unlink()
            partners.unlink()
