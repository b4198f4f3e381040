# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmLoyaltyVisitPlan(models.Model):
    _name = "crm.loyalty.visit.plan"
    _description = "Monthly Visit Plan"
    _inherit = ["mail.thread"]
    _order = "date_month desc, user_id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    user_id = fields.Many2one("res.users", string="Salesperson", required=True, index=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    date_month = fields.Date(string="Month", required=True, help="First day of the month of the plan.")
    state = fields.Selection(
        [("draft", "Draft"), ("confirmed", "Confirmed")], default="draft", required=True, tracking=True
    )
    visit_ids = fields.One2many("crm.loyalty.visit", "plan_id", string="Visits")
    visit_count = fields.Integer(string="Planned Visits", compute="_compute_completion", store=True)
    done_count = fields.Integer(string="Done", compute="_compute_completion", store=True)
    cancelled_count = fields.Integer(string="Cancelled", compute="_compute_completion", store=True)
    completion_rate = fields.Float(
        string="Completion (%)",
        compute="_compute_completion",
        store=True,
        aggregator="avg",
        help="Visits done / visits planned in the plan (cancelled visits count as not done).",
    )

    _sql_constraints = [
        (
            "user_company_month_uniq",
            "unique(user_id, company_id, date_month)",
            "One visit plan per salesperson and month.",
        ),
    ]

    @api.depends("user_id.name", "date_month")
    def _compute_name(self):
        for plan in self:
            month = plan.date_month.strftime("%Y-%m") if plan.date_month else ""
            plan.name = f"{plan.user_id.name or ''} {month}".strip()

    @api.depends("visit_ids.state")
    def _compute_completion(self):
        for plan in self:
            states = plan.visit_ids.mapped("state")
            plan.visit_count = len(states)
            plan.done_count = states.count("done")
            plan.cancelled_count = states.count("cancelled")
            plan.completion_rate = 100.0 * plan.done_count / plan.visit_count if plan.visit_count else 0.0

    def write(self, vals):
        if set(vals) - {"state"} and any(plan.state == "confirmed" for plan in self):
            raise UserError(self.env._("A confirmed visit plan cannot be changed; its visits can still be updated."))
        return super().write(vals)

    def action_confirm(self):
        for plan in self.filtered(lambda p: p.state == "draft"):
            visits = plan.visit_ids.filtered(lambda v: v.state == "planned")
            visits.action_prepare_brief()
            visits._loyalty_create_calendar_events()
            plan.state = "confirmed"
        return True

    def action_reset_draft(self):
        self.filtered(lambda p: p.state == "confirmed").state = "draft"
        return True

    # ------------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------------

    @api.model
    def _loyalty_month_bounds(self, date_month=None):
        start = fields.Date.to_date(date_month) or fields.Date.context_today(self)
        start = start.replace(day=1)
        return start, start + relativedelta(months=1, days=-1)

    @api.model
    def _cron_generate_plans(self):
        self._generate_plans()

    @api.model
    def action_generate_plans(self):
        self.env["crm.loyalty.level"].check_access("write")
        plans = self._generate_plans(company=self.env.company)
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_loyalty.crm_loyalty_visit_plan_action")
        action["domain"] = [("id", "in", plans.ids)]
        return action

    @api.model
    def _generate_plans(self, date_month=None, company=None):
        """Draft plans of the month, from each level's cadence and each customer's last visit.

        A customer of a level visited every N months is due when it was never
        visited or its last (not cancelled) visit is N months or more before the
        end of the month; a customer of a level with a win-back visit gets one
        visit if none was planned since it reached that level. The salesperson is
        the customer's salesperson. Confirmed plans are never changed.

        :returns: the plans that received visits
        """
        start, end = self._loyalty_month_bounds(date_month)
        companies = company or self.env["res.company"].search([])
        Visit = self.env["crm.loyalty.visit"].sudo()
        touched = self.browse()
        for company in companies:
            scores = (
                self.env["crm.loyalty.score"]
                .sudo()
                .search(
                    [
                        ("company_id", "=", company.id),
                        "|",
                        ("level_id.visit_interval_months", ">", 0),
                        ("level_id.winback_visit", "=", True),
                    ]
                )
            )
            if not scores:
                continue
            partners = scores.partner_id
            last_visit = dict(
                Visit._read_group(
                    [("partner_id", "in", partners.ids), ("company_id", "=", company.id), ("state", "!=", "cancelled")],
                    ["partner_id"],
                    ["date_planned:max"],
                )
            )
            reached = {
                (partner.id, level.id): date
                for partner, level, date in self.env["crm.loyalty.history"]
                .sudo()
                ._read_group(
                    [("partner_id", "in", partners.ids), ("company_id", "=", company.id)],
                    ["partner_id", "level_to_id"],
                    ["date:max"],
                )
            }
            plans = {
                plan.user_id.id: plan
                for plan in self.sudo().search([("company_id", "=", company.id), ("date_month", "=", start)])
            }
            new_visits = defaultdict(list)
            for score in scores:
                partner, level = score.partner_id, score.level_id
                user = partner.user_id
                if not user:
                    continue
                last = last_visit.get(partner)
                if level.visit_interval_months > 0:
                    if last and last >= start:
                        continue  # already visited / planned this month
                    next_date = last + relativedelta(months=level.visit_interval_months) if last else start
                    if next_date > end:
                        continue
                    objective = self.env._("Regular visit (%(level)s customer)", level=level.name)
                else:
                    since = reached.get((partner.id, level.id))
                    if last and (not since or last >= since.date()):
                        continue  # win-back visit already planned
                    next_date = start
                    objective = self.env._("Win-back visit: understand why the customer stopped buying")
                plan = plans.get(user.id)
                if plan and plan.state == "confirmed":
                    continue
                new_visits[user.id].append(
                    {
                        "partner_id": partner.id,
                        "user_id": user.id,
                        "company_id": company.id,
                        "date_planned": max(start, next_date),
                        "objective": objective,
                    }
                )
            for user_id, vals_list in new_visits.items():
                plan = plans.get(user_id) or self.sudo().create(
                    {"user_id": user_id, "company_id": company.id, "date_month": start}
                )
                Visit.create([dict(vals, plan_id=plan.id) for vals in vals_list])
                touched |= plan
        return touched.sudo(False)
