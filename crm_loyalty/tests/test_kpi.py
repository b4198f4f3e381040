# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import ValidationError
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
        total = rows.filtered(lambda r: not r.user_id and not r.level_id)
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
        snapshot = {name: first.filtered(lambda r: not r.user_id and not r.level_id)[name] for name in fields_}
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
        self.assertEqual(
            {name: again.filtered(lambda r: not r.user_id and not r.level_id)[name] for name in fields_}, snapshot
        )
        self.assertEqual(len(again), 7, "company total + two salespeople + four ranked levels")
        march = (
            self.env["crm.loyalty.kpi"]
            ._compute_month(date(2025, 3, 1), self.company)
            .filtered(lambda r: not r.user_id and not r.level_id)
        )
        self.assertEqual((march.lost_count, march.active_end), (1, 4))

    def test_february_kpis_per_level(self):
        rows = self.env["crm.loyalty.kpi"]._compute_month(date(2025, 2, 1), self.company)
        by_level = {row.level_id.code: row for row in rows.filtered("level_id")}
        self.assertEqual(set(by_level), {"top", "big", "medium", "small"})
        small, medium, big, top = by_level["small"], by_level["medium"], by_level["big"], by_level["top"]
        # at the start: p0 and p5 small; at the end: p2 (down from medium), p3 (new) and p5 small
        self.assertEqual((small.active_start, small.active_end, small.new_count, small.upgrades), (2, 3, 1, 1))
        self.assertEqual((small.retention_rate, small.development), (100.0, 2))
        self.assertEqual((medium.active_start, medium.active_end, medium.downgrades), (1, 1, 1))
        self.assertEqual((big.active_start, big.active_end, big.lost_count, big.retention_rate), (1, 0, 1, 0.0))
        self.assertEqual((top.retained_count, top.retention_rate), (1, 100.0))
        # revenue by the level at the end of the month: p0 (300) is Medium at the end of February
        self.assertEqual((medium.revenue, small.revenue), (300.0, 0.0))
        total = rows.filtered(lambda r: not r.user_id and not r.level_id)
        for name in ("active_start", "active_end", "new_count", "lost_count", "upgrades", "downgrades"):
            self.assertEqual(sum(row[name] for row in by_level.values()), total[name], name)

    def test_visit_completion(self):
        p = self.partners
        self.env["crm.loyalty.visit"].create(
            [
                {"partner_id": p[0].id, "user_id": self.anna.id, "date_planned": date(2025, 2, 5)},
                {"partner_id": p[2].id, "user_id": self.anna.id, "date_planned": date(2025, 2, 6)},
                {"partner_id": p[4].id, "user_id": self.bob.id, "date_planned": date(2025, 2, 7)},
                {"partner_id": p[4].id, "user_id": self.bob.id, "date_planned": date(2025, 3, 7)},  # not February
            ]
        )
        visits = self.env["crm.loyalty.visit"].search([("partner_id", "in", [p[0].id, p[4].id])])
        visits.filtered(lambda v: v.date_planned.month == 2).write({"state": "done", "outcome": "positive"})
        rows = self.env["crm.loyalty.kpi"]._compute_month(date(2025, 2, 1), self.company)
        total = rows.filtered(lambda r: not r.user_id and not r.level_id)
        self.assertEqual((total.visit_count, total.visit_done_count), (3, 2))
        self.assertAlmostEqual(total.visit_completion, 66.7, places=1)
        anna = rows.filtered(lambda r: r.user_id == self.anna)
        self.assertEqual((anna.visit_count, anna.visit_done_count, anna.visit_completion), (2, 1, 50.0))
        bob = rows.filtered(lambda r: r.user_id == self.bob)
        self.assertEqual(bob.visit_completion, 100.0)
        top = rows.filtered(lambda r: r.level_id.code == "top")
        self.assertEqual((top.visit_count, top.visit_completion), (1, 100.0))

    def test_annual_plan_attainment(self):
        target = self.env["crm.loyalty.target"].create(
            {
                "year": 2025,
                "user_id": self.anna.id,
                "company_id": self.company.id,
                "target_new_customers": 2,
                "target_new_revenue": 600.0,
            }
        )
        rows = self.env["crm.loyalty.kpi"]._compute_month(date(2025, 2, 1), self.company)
        anna = rows.filtered(lambda r: r.user_id == self.anna)
        # new this year and active at the end of February: p0, p2, p3 (p1 was lost); revenue: p0's 300
        self.assertEqual((anna.target_new_customers, anna.ytd_new_customers), (2, 3))
        self.assertEqual((anna.target_new_revenue, anna.ytd_new_revenue), (600.0, 300.0))
        self.assertEqual((anna.attainment_new_customers, anna.attainment_new_revenue), (150.0, 50.0))
        self.assertEqual((target.actual_new_customers, target.actual_new_revenue), (3, 300.0))
        self.assertEqual(target.attainment_new_revenue, 50.0)
        january = self.env["crm.loyalty.kpi"]._compute_month(date(2025, 1, 1), self.company)
        self.assertEqual(january.filtered(lambda r: r.user_id == self.anna).ytd_new_revenue, 0.0)
        with self.assertRaisesRegex(ValidationError, "positive or zero"):
            target.target_new_customers = -1
        with self.assertRaisesRegex(ValidationError, "between 2000 and 2100"):
            target.year = 25

    def test_dashboard_pyramid_and_tiles(self):
        # May: customer 5 is lost (Small -> Inactive)
        self.env["crm.loyalty.history"].sudo().create(
            {
                "partner_id": self.partners[5].id,
                "company_id": self.company.id,
                "date": datetime(2025, 5, 10, 2, 0, 0),
                "level_from_id": self.levels["small"].id,
                "level_to_id": self.levels["inactive"].id,
                "reason": "scheduled",
            }
        )
        action = self.env["crm.loyalty.dashboard"].action_open_dashboard()
        dashboard = self.env["crm.loyalty.dashboard"].browse(action["res_id"])
        self.assertEqual(dashboard.month, date(2025, 5, 1))
        # the snapshots of May and April were computed on opening
        totals = self.env["crm.loyalty.kpi"].search(
            [("company_id", "=", self.company.id), ("user_id", "=", False), ("level_id", "=", False)]
        )
        self.assertEqual(set(totals.mapped("date_month")), {date(2025, 4, 1), date(2025, 5, 1)})
        tiles = str(dashboard.tiles_html)
        # active customers 4 against 5: a bad change (red); lost 1 against 0: bad too
        self.assertRegex(tiles, r"Active Customers</div><div[^>]*>4</div><div style='color:#DC3545'>▼ 1")
        self.assertRegex(tiles, r"Lost Customers</div><div[^>]*>1</div><div style='color:#DC3545'>▲ 1")
        self.assertIn("vs 5", tiles)
        # the trend chart's data: the company's months with KPIs, oldest first
        trend = dashboard.trend_data
        self.assertEqual(trend["labels"], ["Apr 2025", "May 2025"])
        by_month = totals.sorted("date_month")
        self.assertEqual(trend["series"]["active"]["values"], by_month.mapped("active_end"))
        self.assertEqual(trend["series"]["active"]["values"][-1], 4)
        self.assertEqual(trend["series"]["retention"]["values"], by_month.mapped("retention_rate"))
        self.assertEqual(trend["series"]["churn"]["values"], by_month.mapped("churn_rate"))
        self.assertGreater(trend["series"]["churn"]["values"][-1], 0)
        # the pyramid lists every level top to bottom with its customers
        self.env["crm.loyalty.score"].sudo().create(
            {"partner_id": self.partners[4].id, "company_id": self.company.id, "level_id": self.levels["top"].id}
        )
        dashboard.invalidate_recordset()
        pyramid = str(dashboard.pyramid_html)
        names = [
            self.levels[code].name for code in ("top", "big", "medium", "small", "inactive", "prospect", "suspect")
        ]
        positions = [pyramid.index(f"<strong>{name}</strong>") for name in names]
        self.assertEqual(positions, sorted(positions))
        self.assertIn("<strong>Top</strong> · 1 customers", pyramid)
        # and says its period: the levels as of the last computation, the revenue of its ranking window
        self.assertIn("Not computed yet.", pyramid)
        self._recompute()
        dashboard.invalidate_recordset()
        self.assertIn(
            "Levels as of 06/30/2025; revenue of the ranking window, 07/01/2024 to 06/30/2025.",
            str(dashboard.pyramid_html),
        )


@tagged("post_install", "-at_install")
class TestKpiAggregates(LoyaltyCommon):
    """What a group of KPI rows shows in a pivot: flows add up, rates are ratios of sums, stocks are the
    average of the monthly totals (never a sum over months)."""

    def test_pivot_aggregates_mean_something(self):
        anna = new_test_user(self.env, login="agg_anna", groups="sales_team.group_sale_salesman")
        bob = new_test_user(self.env, login="agg_bob", groups="sales_team.group_sale_salesman")
        values = [
            # month, user, active at start, active at end, retained, lost, new, visits planned, done
            ("2025-01-01", anna, 90, 88, 81, 9, 7, 10, 9),
            ("2025-01-01", bob, 3, 4, 1, 2, 3, 0, 0),
            ("2025-02-01", anna, 88, 92, 84, 4, 8, 10, 5),
            ("2025-02-01", bob, 4, 2, 2, 2, 0, 2, 2),
        ]
        Kpi = self.env["crm.loyalty.kpi"]
        # the rows the monthly computation writes (as superuser), read as the manager
        Kpi.sudo().create(
            [
                {
                    "date_month": month,
                    "company_id": self.company.id,
                    "user_id": user.id,
                    "active_start": start,
                    "active_end": end,
                    "retained_count": retained,
                    "lost_count": lost,
                    "new_count": new,
                    "retention_rate": 100.0 * retained / start,
                    "churn_rate": 100.0 * lost / start,
                    "visit_count": planned,
                    "visit_done_count": done,
                    "visit_completion": 100.0 * done / planned if planned else 0.0,
                }
                for month, user, start, end, retained, lost, new, planned, done in values
            ]
        )
        measures = ["active_end:avg", "active_start:avg", "new_count:sum", "lost_count:sum", "retention_rate:avg"]
        measures += ["churn_rate:avg", "visit_completion:avg"]
        domain = [("company_id", "=", self.company.id)]
        (total,) = Kpi._read_group(domain, [], measures)
        active_end, active_start, new, lost, retention, churn, completion = total
        # stocks: the average of the monthly totals (92 and 94), not 186
        self.assertAlmostEqual(float(active_end), (92 + 94) / 2)
        self.assertAlmostEqual(float(active_start), (93 + 92) / 2)
        # flows add up
        self.assertEqual((new, lost), (18, 17))
        # rates weighted by the customers at the start: (81+1+84+2) / (90+3+88+4), not the mean of 4 rates
        self.assertAlmostEqual(float(retention), 100.0 * 168 / 185)
        self.assertAlmostEqual(float(churn), 100.0 * 17 / 185)
        self.assertAlmostEqual(float(completion), 100.0 * 16 / 22)
        # one month: the stock is that month's total
        by_month = Kpi._read_group(domain, ["date_month:month"], ["active_end:avg"])
        self.assertEqual(sorted(float(end) for _month, end in by_month), [92.0, 94.0])
        # per salesperson over the two months: bob's retention is 3 / 7, his active customers 3 on average
        by_user = {
            user: rest for user, *rest in Kpi._read_group(domain, ["user_id"], ["retention_rate:avg", "active_end:avg"])
        }
        self.assertAlmostEqual(float(by_user[bob][0]), 100.0 * 3 / 7)
        self.assertAlmostEqual(float(by_user[bob][1]), 3.0)
        # the web client's own call (read_group with the fields' aggregators)
        (group,) = Kpi.read_group(domain, ["active_end", "retention_rate"], [])
        self.assertAlmostEqual(group["active_end"], 93.0)
        self.assertAlmostEqual(group["retention_rate"], 100.0 * 168 / 185)
