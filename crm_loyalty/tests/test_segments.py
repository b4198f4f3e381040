# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import base64
import io
from datetime import date

import openpyxl
from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestSegments(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(
            cls.env, login="segment_seller", groups="sales_team.group_sale_salesman", company_id=cls.company.id
        )
        cls.team = cls.env["crm.team"].create({"name": "East Team", "member_ids": [(4, cls.seller.id)]})
        cls.industry = cls.env["res.partner.industry"].create({"name": "Precision Machinery"})
        cls.china = cls.env.ref("base.cn")
        cls.veteran = cls._partner(
            "Veteran Manufacturer",
            industry_id=cls.industry.id,
            country_id=cls.china.id,
            user_id=cls.seller.id,
            loyalty_employee_count=120,
        )
        cls.newcomer = cls._partner("Newcomer Shop")
        cls.prospect = cls._partner("Prospect Only")
        cls.env["crm.lead"].create({"name": "First deal", "partner_id": cls.prospect.id, "type": "opportunity"})
        cls._invoices(
            [
                {"partner": cls.veteran, "amount": 2000.0, "date": date(2021, 3, 1)},  # 4.3 years ago
                {"partner": cls.veteran, "amount": 150000.0, "date": date(2025, 2, 1)},
                {"partner": cls.newcomer, "amount": 5000.0, "date": date(2025, 5, 1)},
            ]
        )
        cls.bands = {(band.kind, band.lower_bound): band for band in cls.env["crm.loyalty.band"].search([])}

    def _band(self, kind, lower_bound):
        return self.bands[kind, lower_bound]

    def test_bands_and_segments_of_a_run(self):
        self._recompute()
        veteran, newcomer, prospect = (self._score(p) for p in (self.veteran, self.newcomer, self.prospect))
        self.assertEqual(veteran.tenure_band_id, self._band("tenure", 3))
        self.assertEqual(veteran.tenure_band_id.name, "3 to 5 years")
        self.assertEqual(veteran.volume_band_id, self._band("volume", 100000))
        self.assertEqual(veteran.size_band_id, self._band("size", 50))
        self.assertEqual(
            (veteran.industry_id, veteran.country_id, veteran.user_id, veteran.team_id),
            (self.industry, self.china, self.seller, self.team),
        )
        self.assertEqual(newcomer.tenure_band_id, self._band("tenure", 0))
        self.assertEqual(newcomer.volume_band_id, self._band("volume", 0))
        self.assertFalse(newcomer.size_band_id, "employees not known: no size band")
        # a prospect never invoiced: no band of tenure, volume or value
        self.assertEqual(prospect.level_id.code, "prospect")
        self.assertFalse(prospect.tenure_band_id | prospect.volume_band_id | prospect.clv_band_id)
        # stored: the pivot groups by them in the database
        scores = self.env["crm.loyalty.score"]
        groups = scores.read_group(
            [("company_id", "=", self.company.id), ("invoice_count", ">", 0)], ["revenue_window:sum"], ["industry_id"]
        )
        by_industry = {group["industry_id"] and group["industry_id"][0]: group for group in groups}
        self.assertEqual(by_industry[self.industry.id]["revenue_window"], 150000.0)  # the ranking window
        self.assertEqual(by_industry[False]["revenue_window"], 5000.0)
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_loyalty.crm_loyalty_score_action_segments")
        self.assertEqual(scores.search_count(safe_eval(action["domain"])), 2)

    def test_partner_changes_and_employees(self):
        self._recompute()
        score = self._score(self.veteran)
        other = self.env["res.partner.industry"].create({"name": "Food"})
        self.veteran.industry_id = other
        self.assertEqual(score.industry_id, other, "the segment follows the contact at once")
        # employees: set by hand on the contact's Loyalty tab, applied by the next run
        with Form(self.veteran) as form:
            form.loyalty_employee_count = 300
        self.assertEqual(score.size_band_id, self._band("size", 50))
        self._recompute()
        self.assertEqual(score.size_band_id, self._band("size", 250))
        # a field of res.partner for Loyalty Users only
        billing = new_test_user(self.env, login="segment_billing", groups="account.group_account_invoice")
        with self.assertRaises(AccessError):
            self.veteran.with_user(billing).read(["loyalty_employee_count"])
        self.assertEqual(self.veteran.with_user(self.seller).loyalty_employee_count, 300)
        with self.assertRaisesRegex(ValidationError, "must be a number between 0"):
            self.veteran.loyalty_employee_count = -5

    def test_bands_are_editable_by_managers(self):
        self._recompute()
        score = self._score(self.veteran)
        # raise the third volume band to 200,000: the veteran (150,000) falls into the band below
        self._band("volume", 100000).lower_bound = 200000
        self._recompute()
        self.assertEqual(score.volume_band_id, self._band("volume", 10000))
        # an archived band no longer counts: its customers fall into the band below
        self._band("tenure", 3).active = False
        self._recompute()
        self.assertEqual(score.tenure_band_id, self._band("tenure", 1))
        with self.assertRaisesRegex(ValidationError, "cannot start below 0"):
            self.env["crm.loyalty.band"].create({"kind": "size", "lower_bound": -1, "name": "Negative staff"})
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["crm.loyalty.band"].create({"kind": "size", "lower_bound": 10, "name": "Twice"})
            self.env.flush_all()
        with self.assertRaises(AccessError):
            self._band("size", 10).with_user(self.seller).write({"lower_bound": 20})
        self.assertEqual(self._band("size", 10).with_user(self.seller).name, "10 to 49 employees")

    def test_workbook_segment_columns(self):
        self._recompute()
        attachment = self.env["crm.loyalty.workbook"].loyalty_export_workbook(company=self.company)
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)), read_only=True)
        rows = list(book["Customers"].iter_rows(values_only=True))
        self.assertEqual(
            rows[0][21:28],
            (
                "Industry",
                "Country",
                "Sales Team",
                "Years of Cooperation",
                "Business Volume",
                "Company Size",
                "Lifetime Value Band",
            ),
        )
        veteran = next(row for row in rows if row[0] == "Veteran Manufacturer")
        self.assertEqual(
            veteran[21:27],
            (
                "Precision Machinery",
                "China",
                "East Team",
                "3 to 5 years",
                "100,000 to 1,000,000",
                "50 to 249 employees",
            ),
        )
        self.assertEqual(veteran[27], self._score(self.veteran).clv_band_id.name)
        newcomer = next(row for row in rows if row[0] == "Newcomer Shop")
        self.assertIn(newcomer[26], (None, ""), "no size band: an empty cell")
