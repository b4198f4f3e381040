# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    def test_demo_populates_every_level(self):
        if not self.env.ref("crm_loyalty.demo_partner_001", raise_if_not_found=False):
            self.skipTest("crm_loyalty was installed without demo data")
        company = self.env.ref("base.main_company")
        groups = self.env["crm.loyalty.score"]._read_group([("company_id", "=", company.id)], ["level_id"], ["__count"])
        counts = {level.code: count for level, count in groups}
        for code in ("top", "big", "medium", "small", "inactive", "prospect", "suspect"):
            self.assertGreater(counts.get(code, 0), 0, f"no demo customer at level {code}")
        # three years of posted invoices
        moves = self.env["account.move"].search(
            [("company_id", "=", company.id), ("state", "=", "posted"), ("move_type", "=", "out_invoice")],
            order="invoice_date",
        )
        self.assertGreaterEqual((moves[-1].invoice_date - moves[0].invoice_date).days, 2 * 365)
