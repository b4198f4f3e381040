# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .common import LoyaltyCommon


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestRetentionKpis(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = new_test_user(
            cls.env, login="kpi_anna", groups="sales_team.group_sale_salesman", company_id=cls.company.id
        )
        cls.bob = new_test_user(
            cls.env, login="kpi_bob", groups="sales_team.group_sale_salesman", company_id=cls.company.id
        )
        p = [cls._partner(f"KPI {i}", user_id=(cls.anna if i < 4 else cls.bob).id) for i in range(6)]
        cls.partners = p
        lv = cls.levels
        rows = [
            (p[0], "2025-01-05", None, "small"),
            (p[0], "2025-02-10", "small", "medium"),  # upgrade
            (p[1], "2025-01-05", None, "big"),
            (p[1], "2025-02-20", "big", "inactive"),  # lost
            (p[2], "2025-01-05", None, "medium"),
            (p[2], "2025-02-03", "medium", "small"),  # downgrade
            (p[3], "2025-02-15", None, "prospect"),
            (p[3], "2025-02-25", "prospect", "small"),  # new
            (p[4], "2025-01-05", None, "top"),  # retained
            (p[5], "2025-01-05", None, "small"),
        ]
        cls.env["crm.loyalty.history"].sudo().create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "date": datetime.fromisoformat(day + " 02:00:00"),
                    "level_from_id": lv[old].id if old else False,
                    "level_to_id": lv[new].id,
                    "reason": "scheduled",
                }
                for partner, day, old, new in rows
            ]
        )
        cls._invoices([{"partner": p[0], "amount": 300.0, "date": date(2025, 2, 12)}])
        cls.env["account.move"].search([("partner_id", "=", p[0].id)]).invoice_user_id = cls.anna

    def test_february_kpis_per_company_and_salesperson(self):
        rows = self.env["crm.loyalty.kpi"]._compute_month(date(2025, 2, 14), self.company)
        total = rows.filtered(lambda r: not r.user_id)
        self.assertEqual(total.date_month, date(2025, 2, 1))
        self.assertEqual(
            (total.active_start, total.active_end, total.new_count, total.lost_count, total.retained_count),
            (5, 5, 1, 1, 4),
        )
        self.assertEqual((total.retention_rate, total.churn_rate), (80.0, 20.0))
        self.assertEqual((total.upgrades, total.downgrades, total.development), (1, 1, 2))
        self.assertEqual(total.revenue, 300.0)
        anna = rows.filtered(lambda r: r.user_id == self.anna)
        self.assertEqual((anna.active_start, anna.new_count, anna.lost_count, anna.retention_rate), (3, 1, 1, 66.7))
        self.assertEqual(anna.revenue, 300.0)
        bob = rows.filtered(lambda r: r.user_id == self.bob)
        self.assertEqual((bob.active_start, bob.active_end, bob.retention_rate, bob.revenue), (2, 2, 100.0, 0.0))

    def test_past_month_reproduced_after_the_fact(self):
        first = self.env["crm.loyalty.kpi"]._compute_month(date(2025, 2, 1), self.company)
        fields_ = ["active_end", "new_count", "lost_count", "retention_rate", "revenue"]
        snapshot = {name: first.filtered(lambda r: not r.user_id)[name] for name in fields_}
        # a later change (lost in March) and a recompute of February give the same figures
        self.env["crm.loyalty.history"].sudo().create(
            {
                "partner_id": self.partners[5].id,
                "company_id": self.company.id,
                "date": datetime(2025, 3, 10, 2, 0, 0),
                "level_from_id": self.levels["small"].id,
                "level_to_id": self.levels["inactive"].id,
                "reason": "scheduled",
            }
        )
        again = self.env["crm.loyalty.kpi"]._compute_month(date(2025, 2, 1), self.company)
        self.assertFalse(first.exists())
        self.assertEqual({name: again.filtered(lambda r: not r.user_id)[name] for name in fields_}, snapshot)
        self.assertEqual(len(again), 3, "company total + two salespeople")
        march = (
            self.env["crm.loyalty.kpi"]._compute_month(date(2025, 3, 1), self.company).filtered(lambda r: not r.user_id)
        )
        self.assertEqual((march.lost_count, march.active_end), (1, 4))
