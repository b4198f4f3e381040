# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestConfiguration(LoyaltyCommon):
    def test_default_levels_per_company(self):
        self.assertEqual(
            sorted(self.levels), sorted(["top", "big", "medium", "small", "inactive", "prospect", "suspect"])
        )
        self.assertEqual([self.levels[c].share for c in ("top", "big", "medium", "small")], [1.0, 4.0, 15.0, 80.0])
        new_company = self.env["res.company"].create({"name": "Fresh Co"})
        levels = self.env["crm.loyalty.level"].search([("company_id", "=", new_company.id)])
        self.assertEqual(len(levels), 7)
        self.assertEqual(levels.sorted("sequence")[0].code, "top")

    def test_level_names_translated_for_installed_languages(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        company = self.env["res.company"].create({"name": "Shanghai Branch"})
        top = self.env["crm.loyalty.level"].search([("company_id", "=", company.id), ("code", "=", "top")])
        self.assertEqual(top.with_context(lang="zh_CN").name, "顶端客户")
        self.assertEqual(top.with_context(lang="en_US").name, "Top")

    def test_level_names_follow_a_language_installed_later(self):
        """Levels created while a language was not installed get their names in it when it is (the
        language install loads the module's terms); a name someone changed stays."""
        top, big = self.levels["top"], self.levels["big"]
        big.name = "Gold"
        self.env.flush_all()
        # as created before Chinese was installed: no Chinese name yet
        self.env.cr.execute("UPDATE crm_loyalty_level SET name = name - 'zh_CN' WHERE id IN %s", [(top.id, big.id)])
        self.env.invalidate_all()
        self.env["res.lang"]._activate_lang("zh_CN")
        self.assertEqual(top.with_context(lang="zh_CN").name, "Top")
        self.env["ir.module.module"]._load_module_terms(["crm_loyalty"], ["zh_CN"])
        self.env.invalidate_all()
        self.assertEqual(top.with_context(lang="zh_CN").name, "顶端客户")
        self.assertEqual(top.with_context(lang="en_US").name, "Top")
        self.assertEqual(big.with_context(lang="zh_CN").name, "Gold", "a name someone chose stays")
        # a Chinese name someone chose stays too
        top.with_context(lang="zh_CN").name = "最重要客户"
        self.env["ir.module.module"]._load_module_terms(["crm_loyalty"], ["zh_CN"])
        self.env.invalidate_all()
        self.assertEqual(top.with_context(lang="zh_CN").name, "最重要客户")

    def test_shares_must_be_positive_and_sum_to_100(self):
        with self.assertRaisesRegex(ValidationError, "must add up to 100%"), self.env.cr.savepoint():
            self.levels["top"].share = 2.0
        with self.assertRaisesRegex(ValidationError, "positive percentage"), self.env.cr.savepoint():
            self.levels["top"].share = 0.0
        with self.assertRaisesRegex(ValidationError, "positive percentage"), self.env.cr.savepoint():
            self.levels["big"].share = -4.0
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.loyalty_share_small, 80.0)
        settings.loyalty_share_top = 2.0
        settings.loyalty_share_small = 81.0
        with self.assertRaisesRegex(ValidationError, r"they add up to 102"), self.env.cr.savepoint():
            settings.save().execute()
        settings = Form(self.env["res.config.settings"])
        settings.loyalty_share_top = 2.0
        settings.loyalty_share_small = 79.0
        settings.save().execute()
        self.assertEqual(self.levels["top"].share, 2.0)
        self.assertEqual(self.levels["small"].share, 79.0)

    def test_duplicate_code_refused(self):
        with self.assertRaisesRegex(ValidationError, "only once per company"), self.env.cr.savepoint():
            self.env["crm.loyalty.level"].create({"name": "Second Top", "code": "top", "share": 1.0})
        # the same code in another company is fine
        other = self.setup_other_company()["company"]
        self.assertEqual(
            self.env["crm.loyalty.level"].search_count([("company_id", "=", other.id), ("code", "=", "top")]), 1
        )

    def test_windows_and_band_refused(self):
        with self.assertRaisesRegex(ValidationError, "at least one month"), self.env.cr.savepoint():
            self.company.loyalty_ranking_months = 0
        with self.assertRaisesRegex(ValidationError, "at least one month"), self.env.cr.savepoint():
            self.company.loyalty_activity_months = -3
        with self.assertRaisesRegex(ValidationError, "must start below where it ends"), self.env.cr.savepoint():
            self.company.write({"loyalty_profit_band_low": 10.0, "loyalty_profit_band_high": 5.0})
        settings = Form(self.env["res.config.settings"])
        settings.loyalty_ranking_months = 0
        with self.assertRaisesRegex(ValidationError, "at least one month"), self.env.cr.savepoint():
            settings.save().execute()

    def test_missing_level_fails_the_run_with_a_clear_message(self):
        partner = self._partner("Any Customer")
        self._invoices([{"partner": partner, "amount": 100.0}])
        self._recompute()
        other = self.setup_other_company()["company"]
        self.env["crm.loyalty.level"].search([("company_id", "=", other.id), ("code", "=", "prospect")]).unlink()
        with self.assertLogs("odoo.addons.crm_loyalty.models.crm_loyalty_engine", "ERROR"):
            run = self.env["res.partner"].loyalty_recompute(other)
        self.assertEqual(run.state, "failed")
        self.assertIn("missing the level(s) Prospect", run.error)
        self.assertFalse(self.env["crm.loyalty.score"].search_count([("company_id", "=", other.id)]))
        # the first company is untouched
        self.assertEqual(self._level(partner), "top")
