# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import pandas as pd
from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..loyalty_analytics.kpi import LEVEL_ORDER, levels_at
from .loyalty_access import check_period
from .loyalty_search import unsearchable

MOVES = [
    ("up", "Upgrade"),
    ("down", "Downgrade"),
    ("same", "Same Level"),
    ("in", "Entered the Pyramid"),
    ("out", "Left the Pyramid"),
]


class CrmLoyaltyMigration(models.Model):
    """Migration matrix between two dates: level at date A x level at date B.

    Levels come from the level history (the level held at the end of each
    date); the revenue is that of the posted invoices and credit notes dated
    after date A up to date B. One line per customer, so the pivot of the
    lines is the matrix and each cell drills down to its customers.
    """

    _name = "crm.loyalty.migration"
    _inherit = ["crm.loyalty.company.mixin", "crm.loyalty.search.mixin"]
    _check_company_auto = True
    _description = "Customer Pyramid Migration"
    _order = "date_b desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_a = fields.Date(
        string="Date A",
        required=True,
        default=lambda self: fields.Date.context_today(self) - relativedelta(years=1),
    )
    date_b = fields.Date(string="Date B", required=True, default=fields.Date.context_today)
    line_ids = fields.One2many("crm.loyalty.migration.line", "migration_id", string="Customer Moves")
    computed_on = fields.Datetime(readonly=True)
    needs_compute = fields.Boolean(
        default=True, readonly=True, copy=False, help="Never computed, or the dates changed since."
    )
    line_count = fields.Integer(string="Customers", compute="_compute_line_count", search=unsearchable("line_count"))
    upgrade_count = fields.Integer(
        string="Upgrades", compute="_compute_line_count", search=unsearchable("upgrade_count")
    )
    downgrade_count = fields.Integer(
        string="Downgrades", compute="_compute_line_count", search=unsearchable("downgrade_count")
    )
    matrix_html = fields.Html(
        string="Heat Map",
        compute="_compute_matrix_html",
        sanitize=False,
        help="Customers per level at A (rows) and level at B (columns); the darker the cell, the more customers: "
        "green moved up, red moved down, blue kept their level.",
        search=unsearchable("matrix_html"),
    )

    @api.depends("date_a", "date_b")
    def _compute_name(self):
        for migration in self:
            migration.name = self.env._(
                "Migration %(a)s → %(b)s",
                a=fields.Date.to_string(migration.date_a) or "",
                b=fields.Date.to_string(migration.date_b) or "",
            )

    def _compute_line_count(self):
        groups = {
            (migration.id, move): count
            for migration, move, count in self.env["crm.loyalty.migration.line"]._read_group(
                [("migration_id", "in", self.ids)], ["migration_id", "move"], ["__count"]
            )
        }
        for migration in self:
            migration.line_count = sum(count for (mid, _move), count in groups.items() if mid == migration.id)
            migration.upgrade_count = groups.get((migration.id, "up"), 0)
            migration.downgrade_count = groups.get((migration.id, "down"), 0)

    def _compute_matrix_html(self):
        line_model = self.env["crm.loyalty.migration.line"]
        groups = line_model._read_group(
            [("migration_id", "in", self.ids)], ["migration_id", "level_a_id", "level_b_id"], ["__count"]
        )
        for migration in self:
            cells = {(a, b): count for mid, a, b, count in groups if mid == migration}
            migration.matrix_html = migration._loyalty_matrix_html(cells) if cells else False

    def _loyalty_matrix_html(self, cells):
        """The matrix as a heat map: one row per level at A, one column per level at B, the number of customers
        and the share of the row in each cell; the colour says the direction, its strength the count."""
        self.ensure_one()
        levels = self.env["crm.loyalty.level"].search([("company_id", "=", self.company_id.id)])
        order = {level: index for index, level in enumerate(levels)}
        axis = list(levels)
        none = self.env["crm.loyalty.level"]
        if any(not a for a, _b in cells) or any(not b for _a, b in cells):
            axis.append(none)
        peak = max(cells.values())
        outside = self.env._("Not in the pyramid")

        def label(level):
            return level.name if level else outside

        def colour(a, b, count):
            if not count:
                return "transparent"
            strength = 0.15 + 0.75 * count / peak
            if a == b:
                rgb = "1, 126, 132"  # kept
            elif not a or (b and order[b] < order[a]):
                rgb = "40, 167, 69"  # moved up (or entered)
            else:
                rgb = "220, 53, 69"  # moved down (or left)
            return f"rgba({rgb}, {strength:.2f})"

        head = Markup("").join(Markup("<th class='text-center'>%s</th>") % label(b) for b in axis)
        rows = []
        for a in axis:
            total = sum(cells.get((a, b), 0) for b in axis)
            tds = []
            for b in axis:
                count = cells.get((a, b), 0)
                share = Markup("<br/><small>%s%%</small>") % round(100 * count / total) if count else ""
                tds.append(
                    Markup("<td class='text-center' style='background-color: %s'>%s%s</td>")
                    % (colour(a, b, count), count or "", share)
                )
            rows.append(Markup("<tr><th>%s</th>%s</tr>") % (label(a), Markup("").join(tds)))
        return Markup(
            "<table class='table table-sm table-bordered o_loyalty_heatmap'><thead><tr><th>%s</th>%s</tr></thead>"
            "<tbody>%s</tbody></table>"
        ) % (self.env._("At A ↓ · at B →"), head, Markup("").join(rows))

    def write(self, vals):
        if {"date_a", "date_b", "company_id"} & set(vals) and "needs_compute" not in vals:
            vals = dict(vals, needs_compute=True)
        return super().write(vals)

    @api.constrains("date_a", "date_b")
    def _check_dates(self):
        for migration in self:
            check_period(self.env, migration.date_a, migration.date_b)
            if migration.date_b <= migration.date_a:
                raise ValidationError(self.env._("Date B must be after date A."))

    def _loyalty_company_locked(self):
        # free to change company until computed (its lines then belong to the company)
        return self.filtered(lambda migration: migration.computed_on or migration.line_ids)

    def _loyalty_frame(self):
        """One row per customer: ``partner_id``, ``level_a``, ``level_b`` (codes or None), ``revenue``."""
        self.ensure_one()
        history = self.env["crm.loyalty.history"]._loyalty_history_slice(self.company_id, [self.date_a, self.date_b])
        if history.empty:
            return pd.DataFrame(columns=["partner_id", "level_a", "level_b", "revenue"])
        level_a = levels_at(history, self.date_a)
        level_b = levels_at(history, self.date_b)
        partners = level_a.index.union(level_b.index)
        figures = self.env["crm.loyalty.invoice"]._loyalty_period_figures(
            self.company_id, self.date_a + relativedelta(days=1), self.date_b
        )
        revenue = figures.set_index("partner_id")["revenue"]
        return pd.DataFrame(
            {
                "partner_id": partners,
                "level_a": level_a.reindex(partners).to_numpy(),
                "level_b": level_b.reindex(partners).to_numpy(),
                "revenue": revenue.reindex(partners).fillna(0.0).to_numpy(),
            }
        )

    def action_compute(self):
        # users may compute migrations (their lines are then filtered by the record rules)
        self.check_access("write")
        line_model = self.env["crm.loyalty.migration.line"]
        for migration in self:
            frame = migration._loyalty_frame()
            levels = self.env["crm.loyalty.level"].search([("company_id", "=", migration.company_id.id)])
            by_code = {level.code: level.id for level in levels}
            moves = []
            for code_a, code_b in zip(frame["level_a"], frame["level_b"], strict=True):
                a = code_a if isinstance(code_a, str) else None
                b = code_b if isinstance(code_b, str) else None
                if a and b:
                    delta = LEVEL_ORDER[b] - LEVEL_ORDER[a]
                    moves.append("up" if delta < 0 else "down" if delta > 0 else "same")
                else:
                    moves.append("in" if b else "out")
            line_model.flush_model()
            self.env.cr.execute(SQL("DELETE FROM crm_loyalty_migration_line WHERE migration_id = %s", migration.id))
            if not frame.empty:
                digits = migration.currency_id.decimal_places
                self.env.cr.execute(
                    SQL(
                        """
                        INSERT INTO crm_loyalty_migration_line
                               (migration_id, company_id, partner_id, level_a_id, level_b_id, move, revenue,
                                create_uid, create_date, write_uid, write_date)
                        SELECT %(migration)s, %(company)s, partner, level_a, level_b, move, revenue,
                               %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                          FROM UNNEST(%(partners)s::int[], %(levels_a)s::int[], %(levels_b)s::int[],
                                      %(moves)s::varchar[], %(revenues)s::numeric[])
                            AS t(partner, level_a, level_b, move, revenue)
                        """,
                        migration=migration.id,
                        company=migration.company_id.id,
                        uid=self.env.uid,
                        partners=[int(partner) for partner in frame["partner_id"]],
                        levels_a=[by_code.get(code) if isinstance(code, str) else None for code in frame["level_a"]],
                        levels_b=[by_code.get(code) if isinstance(code, str) else None for code in frame["level_b"]],
                        moves=moves,
                        revenues=[round(float(amount), digits) for amount in frame["revenue"]],
                    )
                )
            line_model.invalidate_model()
            migration.write({"computed_on": fields.Datetime.now(), "needs_compute": False})
            migration.invalidate_recordset()
        return True

    def action_open_matrix(self):
        """The matrix: pivot of the customers, level at A in rows, level at B in columns."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("crm_loyalty.crm_loyalty_migration_line_action")
        action["domain"] = [("migration_id", "=", self.id)]
        action["display_name"] = self.name
        return action


class CrmLoyaltyMigrationLine(models.Model):
    _name = "crm.loyalty.migration.line"
    _inherit = ["crm.loyalty.company.mixin"]
    _check_company_auto = True
    _description = "Customer Pyramid Migration (customer)"
    _order = "migration_id, revenue desc, id"
    _rec_name = "partner_id"

    migration_id = fields.Many2one(
        "crm.loyalty.migration",
        string="Migration",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade", readonly=True)
    level_a_id = fields.Many2one(
        "crm.loyalty.level", string="Level at A", ondelete="set null", readonly=True, check_company=True
    )
    level_b_id = fields.Many2one(
        "crm.loyalty.level", string="Level at B", ondelete="set null", readonly=True, check_company=True
    )
    move = fields.Selection(MOVES, readonly=True)
    revenue = fields.Monetary(string="Revenue A → B", readonly=True)
