# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Browser tours on the demo database: users, customers with known levels, and a scheduler thread."""

import os
import threading
import unittest
from contextlib import contextmanager
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import HttpCase, new_test_user

# tools/test.sh sets it with REQUIRE_ODOO=1 (CI): a tour that cannot start its browser fails instead of
# being skipped, as Odoo's HttpCase does when Chrome or websocket-client is missing
REQUIRE_BROWSER = os.environ.get("LOYALTY_REQUIRE_BROWSER") == "1"


class LoyaltyTourCase(HttpCase):
    """The tours walk the demo database as its users would: they need crm_loyalty's demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref("crm_loyalty.demo_partner_001", raise_if_not_found=False):
            raise unittest.SkipTest("the browser tours walk the demo database: install crm_loyalty with demo data")
        cls.company = cls.env.ref("base.main_company")
        cls.levels = {
            level.code: level for level in cls.env["crm.loyalty.level"].search([("company_id", "=", cls.company.id)])
        }
        # pricelists enabled company-wide, as Sales > Settings > Pricelists does
        cls.env.ref("base.group_user").implied_ids |= cls.env.ref("product.group_product_pricelist")
        # one of the demo's salespeople (Own Documents Only), with the demo customers assigned to him
        cls.salesperson = cls.env.ref("base.user_demo")
        cls.manager = new_test_user(
            cls.env,
            login="tour_manager",
            name="Tour Manager",
            groups="base.group_user,base.group_system,sales_team.group_sale_manager",
            company_id=cls.company.id,
        )
        cls.top_pricelist = cls.env["product.pricelist"].create(
            {"name": "Tour Top Pricelist", "company_id": cls.company.id}
        )
        cls.levels["top"].pricelist_id = cls.top_pricelist
        cls.top_customer = cls.env["res.partner"].create(
            {"name": "Tour Top Customer", "is_company": True, "user_id": cls.salesperson.id}
        )
        cls.key_customer = cls.env["res.partner"].create(
            {"name": "Tour Big Customer", "is_company": True, "user_id": cls.salesperson.id}
        )
        last_month = date.today() - relativedelta(months=1)
        cls._post_invoice(cls.top_customer, 5_000_000.0, last_month)
        cls._post_invoice(cls.key_customer, 40_000.0, last_month)
        # computed at once, in the test transaction, as the nightly run would have done
        cls.env["res.partner"].loyalty_recompute(cls.company)

    @classmethod
    def _post_invoice(cls, partner, amount, invoice_date):
        journal = cls.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", cls.company.id)], limit=1
        )
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "journal_id": journal.id,
                "invoice_line_ids": [
                    Command.create({"name": "Tour services", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        return move

    def browser_js(self, *args, **kwargs):
        try:
            return super().browser_js(*args, **kwargs)
        except unittest.SkipTest as error:
            if REQUIRE_BROWSER:
                self.fail(f"the browser tours are required (LOYALTY_REQUIRE_BROWSER=1) and could not run: {error}")
            raise

    @contextmanager
    def scheduler(self):
        """A thread doing the cron worker's job while a tour runs: it processes the queued background runs
        through cursors of the test transaction (shared with the browser's requests, under Odoo's test lock)."""
        stop = threading.Event()
        errors = []
        registry = self.registry

        def work():
            try:
                while not stop.is_set():
                    with registry.cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        runs = env["crm.loyalty.run"]
                        if runs.search_count([("mode", "=", "background"), ("state", "in", ("queued", "running"))]):
                            runs._cron_process_runs()
                    stop.wait(0.2)
            except Exception as error:
                errors.append(error)

        thread = threading.Thread(target=work, name="loyalty-tour-scheduler", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(30)
        if errors:
            raise errors[0]
