# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .loyalty_access import LOYALTY_MANAGER, check_group

# fields of a plan that only change in draft (visits too: see crm.loyalty.visit)
_LOCKED_FIELDS = {"user_id", "company_id", "date_month", "visit_ids"}


class CrmLoyaltyVisitPlan(models.Model):
    _name = "crm.loyalty.visit.plan"
    _description = "Monthly Visit Plan"
    _inherit = ["crm.loyalty.company.mixin", "mail.thread"]
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
        if _LOCKED_FIELDS & set(vals) and any(plan.state == "confirmed" for plan in self):
            raise UserError(
                self.env._(
                    "A confirmed visit plan cannot be changed (reset it to draft first); "
                    "its visits can still be rescheduled in the month, done or cancelled."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_confirmed(self):
        if any(plan.state == "confirmed" for plan in self):
            raise UserError(self.env._("Reset the visit plan to draft before deleting it."))

    def unlink(self):
        # planned visits go with their (draft) plan; done and cancelled ones stay in the customer's record
        self.filtered(lambda p: p.state == "draft").visit_ids.filtered(lambda v: v.state == "planned").unlink()
        return super().unlink()

    def action_confirm(self):
        self.check_access("write")
        for plan in self.filtered(lambda p: p.state == "draft"):
            visits = plan.visit_ids.filtered(lambda v: v.state == "planned")
            if not visits:
                raise UserError(
                    self.env._(
                        "The visit plan %(plan)s has no planned visit to confirm: add visits, or generate the plans "
                        "of the month.",
                        plan=plan.display_name,
                    )
                )
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
        check_group(
            self.env,
            LOYALTY_MANAGER,
            self.env._("Only Loyalty Managers can generate the visit plans of all salespeople."),
        )
        due, unassigned = [], []
        plans = self._generate_plans(company=self.env.company, due=due, unassigned=unassigned)
        # a button that does nothing says why, and what to do
        nobody = ""
        if unassigned:
            nobody = self.env._(
                "%(count)s customers due for a visit (%(names)s) have no salesperson, and their levels (%(levels)s) "
                "no customer team: set their salesperson, or a team on the level (CRM > Configuration > Pyramid "
                "Levels).",
                count=len(unassigned),
                names=", ".join(score.partner_id.name for score in unassigned[:3])
                + ("…" if len(unassigned) > 3 else ""),
                levels=", ".join(sorted({score.level_id.name for score in unassigned})),
            )
        if not plans:
            if nobody:
                raise UserError(self.env._("No visit plan was generated. %(reason)s", reason=nobody))
            if not due:
                raise UserError(
                    self.env._(
                        "No visit plan was generated: no customer is due for a visit this month. The levels' visit "
                        "cadence and win-back visits are set under CRM > Configuration > Pyramid Levels; customers "
                        "visited (or planned) recently are due later."
                    )
                )
            raise UserError(
                self.env._(
                    "No visit plan was generated: the plans of the salespeople of the %(count)s customers due this "
                    "month are already confirmed (reset a plan to draft to complete it).",
                    count=len(due),
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_loyalty.crm_loyalty_visit_plan_action")
        action["domain"] = [("id", "in", plans.ids)]
        if nobody:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.env._("Some customers get no visit"),
                    "message": nobody,
                    "type": "warning",
                    "sticky": True,
                    "next": action,
                },
            }
        return action

    @api.model
    def _loyalty_spread(self, start, end, count):
        """``count`` dates spread over the working days (Monday-Friday) of ``start``..``end``."""
        days = [start + relativedelta(days=i) for i in range((end - start).days + 1)]
        workdays = [day for day in days if day.weekday() < 5] or days
        return [workdays[i * len(workdays) // count] for i in range(count)]

    @api.model
    def _loyalty_workday(self, day, start, end):
        """``day`` moved off the weekend: the next Monday in the month, else the Friday before."""
        if day.weekday() < 5:
            return day
        monday = day + relativedelta(days=7 - day.weekday())
        return monday if monday <= end else max(start, day - relativedelta(days=day.weekday() - 4))

    @api.model
    def _loyalty_salesperson(self, partner, level):
        """The customer's salesperson, else the leader of the level's customer team, else its first member."""
        return partner.user_id or level.team_id.user_id or level.user_ids[:1]

    @api.model
    def _generate_plans(self, date_month=None, company=None, due=None, unassigned=None):
        """Draft plans of the month, from each level's cadence and each customer's last visit.

        A customer of a level visited every N months is due when it was never
        visited or its last (not cancelled) visit is N months or more before the
        end of the month; it is planned on that date (a weekend: the next working day), or spread over the working
        days of the month when it is already due at the start. A customer of a
        level with a win-back visit gets one visit if none was planned since it
        reached that level. Visits to a customer's contacts count as visits to the
        customer. The salesperson is the customer's salesperson (else the leader or
        first member of the level's customer team; none: no visit). Draft plans are
        completed, confirmed plans are never changed.

        :param due: a list that receives the scores of the customers due for a visit (when given)
        :param unassigned: a list that receives the scores of those due with nobody to visit them
        :returns: the plans that received visits
        """
        start, end = self._loyalty_month_bounds(date_month)
        companies = company or self.env["res.company"].search([])
        # called by the monthly cron or by action_generate_plans (managers only): plans and visits of
        # every salesperson are written as superuser
        Visit = self.env["crm.loyalty.visit"].sudo()
        touched = self.browse()
        for company in companies:
            scores = (
                self.env["crm.loyalty.score"]
                .sudo()
                .search(
                    [
                        ("company_id", "=", company.id),
                        ("partner_id.active", "=", True),
                        "|",
                        ("level_id.visit_interval_months", ">", 0),
                        ("level_id.winback_visit", "=", True),
                    ]
                )
            )
            if not scores:
                continue
            partners = scores.partner_id
            last_visit = {
                partner.id: last
                for partner, last in Visit._read_group(
                    [
                        ("commercial_partner_id", "in", partners.ids),
                        ("company_id", "=", company.id),
                        ("state", "!=", "cancelled"),
                    ],
                    ["commercial_partner_id"],
                    ["date_planned:max"],
                )
            }
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
            for score in scores:  # best levels and ranks first
                partner, level = score.partner_id, score.level_id
                last = last_visit.get(partner.id)
                if level.visit_interval_months > 0:
                    if last and last >= start:
                        continue  # already visited / planned this month
                    next_date = last + relativedelta(months=level.visit_interval_months) if last else start
                    if next_date > end:
                        continue
                    regular = True
                else:
                    since = reached.get((partner.id, level.id))
                    if last and (not since or last >= since.date()):
                        continue  # win-back visit already planned
                    next_date = start
                    regular = False
                if due is not None:
                    due.append(score)
                user = self._loyalty_salesperson(partner, level)
                if not user:
                    if unassigned is not None:
                        unassigned.append(score)
                    continue
                plan = plans.get(user.id)
                if plan and plan.state == "confirmed":
                    continue
                # in the salesperson's language
                local = level.with_context(lang=user.lang or self.env.lang)
                if regular:
                    objective = local.env._("Regular visit (%(level)s customer)", level=local.name)
                else:
                    objective = local.env._("Win-back visit: understand why the customer stopped buying")
                new_visits[user.id].append(
                    {
                        "partner_id": partner.id,
                        "user_id": user.id,
                        "company_id": company.id,
                        "date_planned": self._loyalty_workday(next_date, start, end) if next_date > start else False,
                        "objective": objective,
                    }
                )
            for user_id, vals_list in new_visits.items():
                plan = plans.get(user_id) or self.sudo().create(
                    {"user_id": user_id, "company_id": company.id, "date_month": start}
                )
                undated = [vals for vals in vals_list if not vals["date_planned"]]
                for vals, day in zip(undated, self._loyalty_spread(start, end, len(undated)), strict=True):
                    vals["date_planned"] = day
                Visit.create([dict(vals, plan_id=plan.id) for vals in vals_list])
                touched |= plan
        return touched.sudo(False)
