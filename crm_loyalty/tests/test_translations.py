# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import base64
import io
import re

import openpyxl
import polib
from freezegun import freeze_time

from odoo.tests import new_test_user, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import trans_export

from ..models.loyalty_dates import month_label
from .common import LoyaltyCommon

LANGS = ("zh_CN", "zh_TW")
# the source articles' terms (README, *Definitions*), simplified and traditional
LEVEL_NAMES = {
    "zh_CN": {
        "top": "顶端客户",
        "big": "高端客户",
        "medium": "中端客户",
        "small": "低端客户",
        "inactive": "不活跃客户",
        "prospect": "潜在客户",
        "suspect": "持观望态度的客户",
    },
    "zh_TW": {
        "top": "頂端客戶",
        "big": "高端客戶",
        "medium": "中端客戶",
        "small": "低端客戶",
        "inactive": "不活躍客戶",
        "prospect": "潛在客戶",
        "suspect": "持觀望態度的客戶",
    },
}
# what a translation must carry over from its term: format placeholders, HTML tags, entities
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdf]|%\.\d+f|%[sd%]|\{[a-z_]*\}|</?[a-z][a-z0-9]*\b|&[a-z]+;")


def _po(name, module="crm_loyalty"):
    return polib.pofile(file_path(f"{module}/i18n/{name}"))


def assert_every_term_translated(testcase, module):
    """Every term of ``module``'s .pot is translated in each of :data:`LANGS`, keeping its placeholders and
    tags (also used by the helpdesk bridge's test)."""
    pot = [entry.msgid for entry in _po(f"{module}.pot", module)]
    for lang in LANGS:
        with testcase.subTest(lang=lang):
            translated = {
                entry.msgid: entry.msgstr
                for entry in _po(f"{lang}.po", module)
                if entry.msgstr and not entry.fuzzy and not entry.obsolete
            }
            missing = [msgid for msgid in pot if msgid not in translated]
            testcase.assertFalse(missing[:10], f"{lang}.po leaves {len(missing)} term(s) untranslated")
            broken = [
                msgid
                for msgid in pot
                if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(translated[msgid]))
            ]
            testcase.assertFalse(broken[:10], f"{lang}.po drops or adds placeholders or tags")


@tagged("post_install", "-at_install")
class TestTranslationFiles(LoyaltyCommon):
    def test_pot_is_current(self):
        """The .pot holds every term of the module as Odoo exports it now (a new label without a new .pot
        would pass the coverage test below untranslated), and no term the module no longer has."""
        buffer = io.BytesIO()
        trans_export(False, ["crm_loyalty"], buffer, "po", self.env.cr)
        exported = polib.pofile(buffer.getvalue().decode())
        pot = {entry.msgid for entry in _po("crm_loyalty.pot")}
        closure = self._dependency_closure()
        missing = [entry.msgid for entry in exported if entry.msgid not in pot and not self._foreign(entry, closure)]
        self.assertFalse(missing[:10], "terms missing from crm_loyalty.pot: export it again (README, Translations)")
        stale = sorted(pot - {entry.msgid for entry in exported})
        self.assertFalse(stale[:10], "terms of crm_loyalty.pot the module no longer has")

    def _dependency_closure(self):
        """crm_loyalty, its dependencies and the modules installed automatically with them."""
        modules = self.env["ir.module.module"].search([("state", "=", "installed")])
        by_name = {module.name: module for module in modules}
        closure, todo = set(), ["crm_loyalty"]
        while todo:
            name = todo.pop()
            if name not in closure:
                closure.add(name)
                todo.extend(dep.name for dep in by_name[name].dependencies_id)
        grew = True
        while grew:
            auto = {
                module.name
                for module in modules
                if module.auto_install
                and module.name not in closure
                and set(module.dependencies_id.mapped("name")) <= closure
            }
            closure |= auto
            grew = bool(auto)
        return closure

    def _foreign(self, entry, closure):
        """A term only of fields that other modules add to the module's models (``rating`` adds "Ratings" to
        every mail.thread): it belongs to the .pot only where those modules are installed."""
        for source, _line in entry.occurrences:
            kind, _sep, xmlid = source.partition(":")[2].partition(":")
            if kind not in ("ir.model.fields,field_description", "ir.model.fields,help"):
                return False
            field = self.env.ref(xmlid, raise_if_not_found=False)
            # the modules defining the field, crm_loyalty included for the fields its models inherit
            if not field or set((field.modules or "").replace(" ", "").split(",")) <= closure:
                return False
        return True

    def test_every_term_translated(self):
        assert_every_term_translated(self, "crm_loyalty")


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestTraditionalChinese(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_TW")
        cls.env["ir.module.module"]._load_module_terms(["crm_loyalty"], ["zh_TW"])
        customers = [cls._partner(f"客戶 {i}") for i in range(12)]
        cls._invoices([{"partner": partner, "amount": 1000.0 * (i + 1)} for i, partner in enumerate(customers)])
        cls.env["res.partner"].loyalty_recompute(cls.company)

    def test_level_names_in_both_scripts(self):
        for lang, names in LEVEL_NAMES.items():
            if lang != "zh_TW":
                self.env["res.lang"]._activate_lang(lang)
                self.env["ir.module.module"]._load_module_terms(["crm_loyalty"], [lang])
            for code, name in names.items():
                self.assertEqual(self.levels[code].with_context(lang=lang).name, name)
        # a company created after the languages gets its levels named in them too
        company = self.env["res.company"].create({"name": "Later Company"})
        top = self.env["crm.loyalty.level"].search([("company_id", "=", company.id), ("code", "=", "top")])
        self.assertEqual(top.with_context(lang="zh_TW").name, "頂端客戶")
        self.assertEqual(top.with_context(lang="en_US").name, "Top")

    def test_dashboard_in_traditional_chinese(self):
        env = self.env(context=dict(self.env.context, lang="zh_TW"))
        action = env["crm.loyalty.dashboard"].action_open_dashboard()
        self.assertEqual(action["name"], "客戶忠誠度儀表板")
        dashboard = env["crm.loyalty.dashboard"].browse(action["res_id"])
        self.assertIn("頂端客戶", dashboard.pyramid_html)
        self.assertNotIn(">Top<", dashboard.pyramid_html)
        self.assertIn("上次計算", dashboard.run_html)

    def test_workbook_in_traditional_chinese(self):
        env = self.env(context=dict(self.env.context, lang="zh_TW"))
        attachment = env["crm.loyalty.workbook"].loyalty_export_workbook()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)), read_only=True)
        self.assertEqual(book.sheetnames[0], "客戶金字塔")
        self.assertNotIn("Pyramid", book.sheetnames)
        cells = {value for row in book[book.sheetnames[0]].iter_rows(values_only=True) for value in row}
        self.assertIn("頂端客戶", cells)
        self.assertFalse({"Top", "Big", "Medium", "Small"} & cells)

    def test_words_and_dates_for_customers_eyes(self):
        """A loss-making customer is 虧損客戶 (not the articles' 垃圾客戶, "junk"); months read 2025年6月; a visit's
        name and brief are in its salesperson's language, whoever makes them."""
        env = self.env(context=dict(self.env.context, lang="zh_TW"))
        profit = dict(env["crm.loyalty.score"]._fields["profit_class"]._description_selection(env))
        self.assertEqual(profit["loss"], "虧損客戶")
        self.assertNotIn("垃圾", " ".join(profit.values()))
        self.assertEqual(month_label(env, self.today), "2025年6月")
        self.assertEqual(month_label(self.env, self.today, wide=True), "June 2025")
        dashboard = env["crm.loyalty.dashboard"].create({})
        self.assertIn("2025年5月", dashboard.tiles_html)
        seller = new_test_user(self.env, login="zh_seller", groups="sales_team.group_sale_salesman", lang="zh_TW")
        customer = self.env["res.partner"].search([("name", "=", "客戶 11")])
        visit = self.env["crm.loyalty.visit"].create(
            {"partner_id": customer.id, "user_id": seller.id, "date_planned": self.today}
        )
        self.assertEqual(self.env.lang or "en_US", "en_US", "made by an English-speaking manager")
        self.assertTrue(visit.name.startswith("拜訪"), visit.name)
        visit.action_prepare_brief()
        self.assertIn("頂端客戶", visit.brief_html)
        self.assertNotIn("Pre-visit brief", visit.brief_html)
