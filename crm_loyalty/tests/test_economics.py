# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import base64
import io
from datetime import date, datetime

import lxml.html
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import LoyaltyCommon


class EconomicsCommon(LoyaltyCommon):
    @classmethod
    def _history(cls, rows):
        cls.env["crm.loyalty.history"].sudo().create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "date": datetime.fromisoformat(day + " 02:00:00"),
                    "level_from_id": cls.levels[old].id if old else False,
                    "level_to_id": cls.levels[new].id if new else False,
                    "reason": "scheduled",
                }
                for partner, day, old, new in rows
            ]
        )


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestPyramidEconomics(EconomicsCommon):
    """Q1 2025: one Top, two Big and three Small customers (levels from the history)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        names = ["T1", "B1", "B2", "S1", "S2", "S3", "U1"]
        cls.p = {name: cls._partner(f"Economics {name}") for name in names}
        p = cls.p
        cls._history(
            [
                (p[name], "2025-01-05", None, level)
                for name, level in [
                    ("T1", "top"),
                    ("B1", "big"),
                    ("B2", "big"),
                    ("S1", "small"),
                    ("S2", "small"),
                    ("S3", "small"),
                ]
            ]
        )
        product = cls.product_cost  # price 100, cost 60
        cls._invoices(
            [
                {"partner": p["T1"], "amount": 100.0, "quantity": 10, "product": product, "date": date(2025, 2, 1)},
                {"partner": p["T1"], "amount": 999.0, "date": date(2025, 4, 10)},  # after the period
                {"partner": p["B1"], "amount": 100.0, "quantity": 5, "product": product, "date": date(2025, 1, 20)},
                {"partner": p["B2"], "amount": 100.0, "quantity": 5, "product": product, "date": date(2025, 3, 31)},
                {"partner": p["S1"], "amount": 100.0, "date": date(2025, 1, 2)},
                {"partner": p["S1"], "amount": 50.0, "date": date(2025, 3, 2), "move_type": "out_refund"},
                {"partner": p["S2"], "amount": 100.0, "date": date(2025, 2, 2)},
                {"partner": p["S3"], "amount": 100.0, "date": date(2025, 2, 3)},
                {"partner": p["U1"], "amount": 70.0, "date": date(2025, 2, 4)},  # never ranked
            ]
        )

    def _economics(self, **vals):
        economics = self.env["crm.loyalty.economics"].create(
            {
                "name": "Q1 2025",
                "company_id": self.company.id,
                "date_from": date(2025, 1, 1),
                "date_to": date(2025, 3, 31),
                "marketing_cost": 600.0,
                "sales_cost": 300.0,
                **vals,
            }
        )
        self.assertTrue(economics.needs_compute, "saving does not compute")
        economics.action_compute()
        self.assertFalse(economics.needs_compute)
        return economics

    def _lines(self, economics):
        return {line.level_id.code: line for line in economics.line_ids}

    def test_economics_per_level_and_allocation_by_customers(self):
        economics = self._economics()
        lines = self._lines(economics)
        self.assertEqual(list(lines), ["top", "big", "small"])
        top, big, small = lines["top"], lines["big"], lines["small"]
        self.assertEqual((top.customers, top.revenue, top.gross_profit), (1, 1000.0, 400.0))
        self.assertEqual((big.customers, big.revenue, big.gross_profit, big.avg_revenue), (2, 1000.0, 400.0, 500.0))
        self.assertEqual((small.customers, small.revenue, small.gross_profit), (3, 250.0, 250.0))
        self.assertAlmostEqual(small.avg_profit, 83.33, places=2)
        self.assertEqual((top.margin_pct, small.margin_pct), (40.0, 100.0))
        # 900 of costs over 6 customers: 150 each
        self.assertEqual((top.cost, big.cost, small.cost), (150.0, 300.0, 450.0))
        self.assertEqual(
            (top.profit_after_cost, big.profit_after_cost, small.profit_after_cost), (250.0, 100.0, -200.0)
        )
        self.assertAlmostEqual(top.roi, 250.0 / 150.0, places=2)
        self.assertEqual(
            (economics.revenue, economics.gross_profit, economics.profit_after_cost), (2250.0, 1050.0, 150.0)
        )
        self.assertAlmostEqual(economics.roi, 150.0 / 900.0, places=2)
        # the customer never ranked is reported apart, so the total still matches the books
        self.assertEqual((economics.unclassified_count, economics.unclassified_revenue), (1, 70.0))

    def test_allocation_by_revenue_and_by_weights(self):
        economics = self._economics(allocation_rule="revenue")
        lines = self._lines(economics)
        self.assertEqual([lines[code].cost for code in ("top", "big", "small")], [400.0, 400.0, 100.0])
        self.assertEqual([lines[code].profit_after_cost for code in ("top", "big", "small")], [0.0, 0.0, 150.0])
        # weights 5 / 2 / 1: bases 5, 4 and 3 of 12
        economics.allocation_rule = "weights"
        economics.action_compute()
        lines = self._lines(economics)
        with Form(economics) as form:
            for index, weight in enumerate([5.0, 2.0, 1.0]):
                with form.line_ids.edit(index) as line:
                    line.weight = weight
        economics.action_compute()
        lines = self._lines(economics)
        self.assertEqual([lines[code].cost for code in ("top", "big", "small")], [375.0, 300.0, 225.0])
        self.assertEqual(lines["top"].weight, 5.0, "weights are kept across recomputes")
        economics.action_compute()
        self.assertEqual(self._lines(economics)["top"].cost, 375.0)

    def test_costs_and_period_refused(self):
        with self.assertRaisesRegex(ValidationError, "positive amount or zero"):
            self._economics(marketing_cost=-1.0)
        with self.assertRaisesRegex(ValidationError, "must not be before its start"):
            self._economics(date_to=date(2024, 12, 31))
        economics = self._economics(allocation_rule="weights")
        with self.assertRaisesRegex(UserError, "allocation basis of every level is zero"):
            economics.write({"line_ids": [Command.update(line.id, {"weight": 0.0}) for line in economics.line_ids]})
            economics.action_compute()
        with self.assertRaisesRegex(ValidationError, "weights must be positive"):
            economics.line_ids[0].weight = -2.0

    def test_scenario_arithmetic(self):
        economics = self._economics()
        scenario = self.env["crm.loyalty.scenario"].create(
            {
                "name": "Win one Small to Big",
                "economics_id": economics.id,
                "line_ids": [
                    Command.create(
                        {"from_level_id": self.levels["small"].id, "to_level_id": self.levels["big"].id, "count": 1}
                    )
                ],
            }
        )
        # one customer takes Big's averages (500 / 200) instead of Small's (83.33 / 83.33)
        self.assertAlmostEqual(scenario.revenue_change, 500.0 - 250.0 / 3, places=2)
        self.assertAlmostEqual(scenario.profit_change, 200.0 - 250.0 / 3, places=2)
        self.assertAlmostEqual(scenario.revenue_after, 2250.0 + 500.0 - 250.0 / 3, places=2)
        self.assertAlmostEqual(scenario.profit_after, 150.0 + 200.0 - 250.0 / 3, places=2, msg="fixed costs unchanged")
        self.assertEqual(scenario._loyalty_customers_after(), {"top": 1, "big": 3, "small": 2})
        self.assertIn("o_loyalty_scenario", scenario.result_html)
        self.assertFalse(scenario.error)
        # the what-if wizard: the scenario form opened from the economics, saved as a record
        action = economics.action_new_scenario()
        self.assertEqual((action["res_model"], action["target"]), ("crm.loyalty.scenario", "new"))
        with Form(self.env["crm.loyalty.scenario"].with_context(**action["context"])) as form:
            form.name = "Two Big to Top"
            with form.line_ids.new() as line:
                line.from_level_id = self.levels["big"]
                line.to_level_id = self.levels["top"]
                line.count = 2
            self.assertEqual(form.revenue_change, 1000.0)
        saved = form.record
        self.assertEqual((saved.economics_id, saved.revenue_change, saved.profit_change), (economics, 1000.0, 400.0))
        self.assertEqual(economics.scenario_count, 2)

    def test_scenario_refusals(self):
        economics = self._economics()
        small, big = self.levels["small"], self.levels["big"]

        def make(count, origin=small, target=big):
            return self.env["crm.loyalty.scenario"].create(
                {
                    "economics_id": economics.id,
                    "line_ids": [
                        Command.create({"from_level_id": origin.id, "to_level_id": target.id, "count": count})
                    ],
                }
            )

        with self.assertRaisesRegex(ValidationError, "more customers out of level 'Small' than it holds \\(3\\)"):
            make(4)
        with self.assertRaisesRegex(ValidationError, "must move customers to another level"):
            make(1, small, small)
        with self.assertRaisesRegex(ValidationError, "whole number, zero or more"):
            make(-1)
        with self.assertRaisesRegex(ValidationError, "'Medium' has no customers in this period"):
            make(1, small, self.levels["medium"])
        # two lines that together empty a level beyond what it holds
        with self.assertRaisesRegex(ValidationError, "than it holds"):
            self.env["crm.loyalty.scenario"].create(
                {
                    "economics_id": economics.id,
                    "line_ids": [
                        Command.create({"from_level_id": big.id, "to_level_id": self.levels["top"].id, "count": 2}),
                        Command.create({"from_level_id": big.id, "to_level_id": small.id, "count": 1}),
                    ],
                }
            )
        # in the form, the error is shown before saving
        form = Form(self.env["crm.loyalty.scenario"].with_context(default_economics_id=economics.id))
        with form.line_ids.new() as line:
            line.from_level_id = small
            line.to_level_id = big
            line.count = 9
        self.assertIn("than it holds", form.error)

    def test_workbook_read_back(self):
        openpyxl = __import__("openpyxl")
        self._recompute()
        economics = self._economics()
        scenario = self.env["crm.loyalty.scenario"].create(
            {
                "name": "Small to Big",
                "economics_id": economics.id,
                "line_ids": [
                    Command.create(
                        {"from_level_id": self.levels["small"].id, "to_level_id": self.levels["big"].id, "count": 1}
                    )
                ],
            }
        )
        self.env["crm.loyalty.kpi"]._compute_month(date(2025, 2, 1), self.company)
        self.env["crm.loyalty.kpi"]._compute_month(date(2025, 3, 1), self.company)
        action = scenario.action_export_workbook()
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "crm.loyalty.scenario"), ("res_id", "=", scenario.id)]
        )
        self.assertTrue(attachment.name.endswith(".xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)))
        self.assertEqual(
            book.sheetnames,
            [
                "Pyramid",
                "Customers",
                "Migration",
                "KPIs",
                "Financial Statistics",
                "Sales Dynamics",
                "Credit Analysis",
                "Lifetime Value Backtest",
                "Scenario",
            ],
        )
        # Pyramid: economics per level, a bar chart
        pyramid = book["Pyramid"]
        rows = {row[0]: row for row in pyramid.iter_rows(min_row=4, max_row=7, values_only=True)}
        for line in economics.line_ids:
            row = rows[line.level_id.name]
            self.assertEqual(row[1], line.customers)
            self.assertAlmostEqual(row[2], line.revenue, places=2)
            self.assertAlmostEqual(row[3], line.gross_profit, places=2)
            self.assertAlmostEqual(row[8], line.profit_after_cost, places=2)
        self.assertEqual(len(pyramid._charts), 1)
        self.assertIn(self.company.currency_id.symbol, pyramid["C4"].number_format)
        # Customers: one row per score, header frozen, autofilter, values from the database
        customers = book["Customers"]
        scores = self.env["crm.loyalty.score"].search([("company_id", "=", self.company.id)])
        self.assertEqual(customers.max_row, len(scores) + 1)
        self.assertEqual(customers.freeze_panes, "A2")
        self.assertEqual(customers.auto_filter.ref, f"A1:AB{len(scores) + 1}")
        by_name = {row[0]: row for row in customers.iter_rows(min_row=2, values_only=True)}
        score = scores.filtered(lambda s: s.partner_id == self.p["T1"])
        row = by_name[self.p["T1"].name]
        self.assertEqual(row[2], score.level_id.name)
        self.assertAlmostEqual(row[5], score.revenue_window, places=2)
        self.assertAlmostEqual(row[11], score.clv, places=2)
        self.assertIn(self.company.currency_id.symbol, customers["F2"].number_format)
        # Migration: level at the start of the period x level at its end
        migration = book["Migration"]
        header = list(next(migration.iter_rows(min_row=3, max_row=3, values_only=True)))
        small_row = next(r for r in migration.iter_rows(min_row=4, max_row=11, values_only=True) if r[0] == "Small")
        self.assertEqual(small_row[header.index("Small")], 0, "nobody was Small before the period")
        none_row = next(
            r for r in migration.iter_rows(min_row=4, max_row=11, values_only=True) if r[0] == "Not in Pyramid"
        )
        self.assertEqual(none_row[header.index("Small")], 3)
        self.assertTrue(migration.conditional_formatting)
        # KPIs: the monthly snapshots with two line charts
        kpis = book["KPIs"]
        self.assertEqual(kpis.max_row, 3)
        self.assertEqual(kpis["B3"].value, 6)
        self.assertEqual(len(kpis._charts), 2)
        # Scenario
        sheet = book["Scenario"]
        values = [row for row in sheet.iter_rows(values_only=True) if row[0]]
        self.assertIn(("Small", "Big", 1), [row[:3] for row in values])

    def test_workbook_in_the_users_language(self):
        openpyxl = __import__("openpyxl")
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["crm_loyalty"], ["zh_CN"], overwrite=True)
        economics = self._economics()
        attachment = (
            self.env["crm.loyalty.workbook"].with_context(lang="zh_CN").loyalty_export_workbook(economics=economics)
        )
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)))
        self.assertEqual(book.sheetnames[:2], ["客户金字塔", "客户"])
        self.assertEqual(book["客户"]["A1"].value, "客户")

    def test_default_export_from_server_action(self):
        action = self.env.ref("crm_loyalty.crm_loyalty_action_export_workbook")
        result = action.with_context(active_model="crm.loyalty.economics").run()
        self.assertEqual(result["type"], "ir.actions.act_url")
        economics = self.env["crm.loyalty.economics"].search([("company_id", "=", self.company.id)])
        self.assertEqual((economics.date_from, economics.date_to), (date(2024, 6, 1), date(2025, 5, 31)))


@freeze_time(LoyaltyCommon.today)
@tagged("post_install", "-at_install")
class TestMigration(EconomicsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        names = ["T1", "B1", "B2", "S1", "S2"]
        cls.p = {name: cls._partner(f"Migration {name}") for name in names}
        p = cls.p
        cls._history(
            [
                (p["T1"], "2025-01-05", None, "top"),
                (p["B1"], "2025-01-05", None, "big"),
                (p["B1"], "2025-02-15", "big", "top"),  # upgrade
                (p["B2"], "2025-01-05", None, "big"),
                (p["B2"], "2025-03-01", "big", "inactive"),  # lost
                (p["S1"], "2025-02-20", None, "small"),  # entered
                (p["S2"], "2025-01-05", None, "small"),
            ]
        )
        cls._invoices(
            [
                {"partner": p["B1"], "amount": 400.0, "date": date(2025, 2, 10)},
                {"partner": p["S1"], "amount": 80.0, "date": date(2025, 2, 20)},
                {"partner": p["S2"], "amount": 30.0, "date": date(2025, 1, 31)},  # on date A: not counted
            ]
        )

    def test_matrix_and_drill_down(self):
        migration = self.env["crm.loyalty.migration"].create(
            {"company_id": self.company.id, "date_a": date(2025, 1, 31), "date_b": date(2025, 3, 31)}
        )
        self.assertTrue(migration.needs_compute)
        migration.action_compute()
        self.assertEqual((migration.line_count, migration.upgrade_count, migration.downgrade_count), (5, 1, 1))
        cells = {
            (level_a.code, level_b.code): (count, revenue)
            for level_a, level_b, count, revenue in self.env["crm.loyalty.migration.line"]._read_group(
                [("migration_id", "=", migration.id)], ["level_a_id", "level_b_id"], ["__count", "revenue:sum"]
            )
        }
        self.assertEqual(
            cells,
            {
                ("top", "top"): (1, 0.0),
                ("big", "top"): (1, 400.0),
                ("big", "inactive"): (1, 0.0),
                (False, "small"): (1, 80.0),
                ("small", "small"): (1, 0.0),
            },
        )
        # the heat map in the form: rows = level at A, columns = level at B, the colour says the direction
        table = lxml.html.fromstring(str(migration.matrix_html))
        header = [th.text_content() for th in table.xpath("//thead//th")][1:]
        names = [self.levels[code].name for code in ("top", "big", "medium", "small", "inactive", "prospect")]
        self.assertEqual(header[:6], names)
        self.assertEqual(header[-1], "Not in the pyramid")
        heat = {}
        for row in table.xpath("//tbody/tr"):
            for column, td in zip(header, row.xpath("td"), strict=True):
                if td.text_content():
                    heat[(row.xpath("th")[0].text_content(), column)] = (td.text, td.get("style"))
        top, big, small, inactive = (self.levels[code].name for code in ("top", "big", "small", "inactive"))
        self.assertEqual(
            {cell: count for cell, (count, _style) in heat.items()},
            {
                (top, top): "1",
                (big, top): "1",
                (big, inactive): "1",
                ("Not in the pyramid", small): "1",
                (small, small): "1",
            },
        )
        self.assertIn("rgba(40, 167, 69", heat[(big, top)][1])  # up: green
        self.assertIn("rgba(40, 167, 69", heat[("Not in the pyramid", small)][1])  # entered: green
        self.assertIn("rgba(220, 53, 69", heat[(big, inactive)][1])  # down: red
        self.assertIn("rgba(1, 126, 132", heat[(top, top)][1])  # kept
        action = migration.action_open_matrix()
        self.assertEqual(action["res_model"], "crm.loyalty.migration.line")
        self.assertIn("pivot", action["view_mode"])
        cell = self.env["crm.loyalty.migration.line"].search(
            action["domain"] + [("level_a_id.code", "=", "big"), ("level_b_id.code", "=", "top")]
        )
        self.assertEqual(cell.partner_id, self.p["B1"])
        self.assertEqual(cell.move, "up")
        entered = self.env["crm.loyalty.migration.line"].search(action["domain"] + [("move", "=", "in")])
        self.assertEqual(entered.partner_id, self.p["S1"])
        # a later date B recomputes the lines
        migration.date_b = date(2025, 2, 28)
        migration.action_compute()
        self.assertEqual(migration.downgrade_count, 0)
        with self.assertRaisesRegex(ValidationError, "Date B must be after date A"):
            migration.date_b = date(2025, 1, 1)
