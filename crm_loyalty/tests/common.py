# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from datetime import date

from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class LoyaltyCommon(AccountTestInvoicingCommon):
    """Real posted invoices in the test company; the pyramid is computed for
    ``cls.today`` (tests run under ``freeze_time`` of that date)."""

    today = date(2025, 6, 30)

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.env.ref("crm_loyalty.group_loyalty_manager")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # background runs read through registry.cursor(readonly=True): in test mode, as in HttpCase, that is
        # a read-only test cursor on the test transaction (it sees the test's invoices, and may not write)
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.company = cls.company_data["company"]
        cls.levels = {
            level.code: level for level in cls.env["crm.loyalty.level"].search([("company_id", "=", cls.company.id)])
        }
        cls.product_cost = cls._create_product(name="Audit", lst_price=100.0, standard_price=60.0)

    @classmethod
    def _partner(cls, name, **vals):
        return cls.env["res.partner"].create({"name": name, "is_company": True, **vals})

    @classmethod
    def _invoices(cls, specs, post=True):
        """Create (and post) invoices in one batch.

        :param specs: list of dicts with ``partner`` and ``amount`` and optional
            ``date``, ``due`` (due date, no payment term), ``move_type``, ``company``, ``currency``, ``product``,
            ``quantity``, ``discount``
        """
        moves = cls.env["account.move"]
        by_company = {}
        for spec in specs:
            by_company.setdefault(spec.get("company", cls.company), []).append(spec)
        for company, company_specs in by_company.items():
            moves |= cls._invoices_company(company, company_specs)
        if post:
            moves.action_post()
        return moves

    @classmethod
    def _invoices_company(cls, company, specs):
        vals_list = []
        for spec in specs:
            line = {
                "name": "Service",
                "quantity": spec.get("quantity", 1.0),
                "price_unit": spec["amount"],
                "tax_ids": [Command.clear()],
                "discount": spec.get("discount", 0.0),
            }
            if spec.get("product"):
                line["product_id"] = spec["product"].id
            vals = {
                "move_type": spec.get("move_type", "out_invoice"),
                "partner_id": spec["partner"].id,
                "invoice_date": spec.get("date", cls.today),
                "company_id": company.id,
                "invoice_line_ids": [Command.create(line)],
            }
            if spec.get("currency"):
                vals["currency_id"] = spec["currency"].id
            if spec.get("due"):
                vals["invoice_date_due"] = spec["due"]
            vals_list.append(vals)
        return cls.env["account.move"].with_company(company).create(vals_list)

    @classmethod
    def _pay(cls, invoices, amount, day):
        """Register a payment of ``amount`` on ``day`` for ``invoices`` (through the payment wizard)."""
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"payment_date": day, "amount": amount, "group_payment": True})
            ._create_payments()
        )

    def _recompute(self, **kwargs):
        run = self.env["res.partner"].loyalty_recompute(self.company, **kwargs)
        self.assertEqual(run.state, "done", run.error)
        return run

    def _score(self, partner):
        return self.env["crm.loyalty.score"].search(
            [("partner_id", "=", partner.commercial_partner_id.id), ("company_id", "=", self.company.id)]
        )

    def _level(self, partner):
        return self._score(partner).level_id.code

    def _process_queue(self, max_calls=50):
        """Call the scheduled action *process recompute runs* until no background run is pending (as the
        scheduler does, without its commits); returns the number of calls."""
        # as the scheduler runs it: as superuser (OdooBot), for every company
        runs = self.env["crm.loyalty.run"].sudo()
        pending = [("mode", "=", "background"), ("state", "in", ("queued", "running"))]
        for calls in range(max_calls):
            if not runs.search_count(pending):
                return calls
            runs._cron_process_runs()
        self.fail("the background runs did not end")
