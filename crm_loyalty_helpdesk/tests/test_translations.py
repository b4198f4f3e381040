# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The bridge's terms in simplified and traditional Chinese, like crm_loyalty's (its README, Translations)."""

import io

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

from odoo.addons.crm_loyalty.tests.test_translations import LEVEL_NAMES, _po, assert_every_term_translated


@tagged("post_install", "-at_install")
class TestBridgeTranslations(TransactionCase):
    def test_pot_is_current(self):
        """The .pot holds every term of the bridge as Odoo exports it now, and no term it no longer has."""
        buffer = io.BytesIO()
        trans_export(False, ["crm_loyalty_helpdesk"], buffer, "po", self.env.cr)
        exported = {entry.msgid for entry in polib.pofile(buffer.getvalue().decode())}
        pot = {entry.msgid for entry in _po("crm_loyalty_helpdesk.pot", "crm_loyalty_helpdesk")}
        self.assertFalse(sorted(exported - pot)[:10], "terms missing from crm_loyalty_helpdesk.pot: export it again")
        self.assertFalse(sorted(pot - exported)[:10], "terms of crm_loyalty_helpdesk.pot the bridge no longer has")

    def test_every_term_translated(self):
        assert_every_term_translated(self, "crm_loyalty_helpdesk")

    def test_terms_loaded_in_both_scripts(self):
        """Loaded into a database, the bridge's labels read in either script, with the articles' level names."""
        expected = {
            "zh_CN": ("满意度分析", "客户层级", "投诉"),
            "zh_TW": ("滿意度分析", "客戶層級", "投訴"),
        }
        for lang, (analysis, level_label, complaint) in expected.items():
            self.env["res.lang"]._activate_lang(lang)
            self.env["ir.module.module"]._load_module_terms(["crm_loyalty", "crm_loyalty_helpdesk"], [lang])
            env = self.env(context=dict(self.env.context, lang=lang))
            action = env.ref("crm_loyalty_helpdesk.crm_loyalty_ticket_report_action_satisfaction")
            self.assertEqual(action.name, analysis)
            fields = env["helpdesk.ticket"].fields_get(["loyalty_level_id"])
            self.assertEqual(fields["loyalty_level_id"]["string"], level_label)
            fields = env["crm.loyalty.ticket.report"].fields_get(["is_complaint"])
            self.assertEqual(fields["is_complaint"]["string"], complaint)
            # the ticket search's level filters use the articles' level names
            view = env.ref("crm_loyalty_helpdesk.helpdesk_ticket_view_search")
            self.assertIn(LEVEL_NAMES[lang]["top"], view.arch)
