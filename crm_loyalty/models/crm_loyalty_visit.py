# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

OUTCOMES = [("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative")]


class CrmLoyaltyVisit(models.Model):
    _name = "crm.loyalty.visit"
    _description = "Customer Visit"
    _inherit = ["crm.loyalty.company.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_planned, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True, check_company=True
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", string="Customer Company", store=True, index=True
    )
    user_id = fields.Many2one("res.users", string="Salesperson", required=True, index=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    plan_id = fields.Many2one(
        "crm.loyalty.visit.plan", string="Visit Plan", ondelete="set null", index=True, check_company=True
    )
    date_planned = fields.Date(string="Planned Date", required=True, tracking=True)
    objective = fields.Char()
    state = fields.Selection(
        [("planned", "Planned"), ("done", "Done"), ("cancelled", "Cancelled")],
        default="planned",
        required=True,
        tracking=True,
    )
    cancel_reason = fields.Char(string="Cancellation Reason", tracking=True)
    outcome = fields.Selection(OUTCOMES, tracking=True)
    feedback = fields.Text(help="What the customer said and what was agreed: archived on the customer's chatter.")
    calendar_event_id = fields.Many2one("calendar.event", string="Calendar Event", ondelete="set null", copy=False)
    level_id = fields.Many2one(
        "crm.loyalty.level",
        string="Level",
        compute="_compute_level_id",
        search="_search_level_id",
        help="Current pyramid level of the customer (empty when its score is not yours to see).",
    )
    brief_html = fields.Html(string="Pre-Visit Brief", readonly=True, sanitize=True, copy=False)
    brief_date = fields.Datetime(string="Brief Produced On", readonly=True, copy=False)

    @api.depends("partner_id.name", "user_id.lang")
    def _compute_name(self):
        # in the salesperson's language: the visit is theirs, and so is the calendar event named after it
        for visit in self:
            env = visit.with_context(lang=visit._loyalty_lang()).env
            visit.name = env._("Visit: %(partner)s", partner=visit.partner_id.display_name or "")

    def _loyalty_lang(self):
        """The salesperson's language (the visit's name and brief are theirs), else the user's."""
        return self.user_id.lang or self.env.lang

    # uid: the score is read with the user's record rules, also when a related field reaches it as superuser
    @api.depends_context("uid")
    @api.depends("partner_id", "company_id")
    def _compute_level_id(self):
        scores = self.env["crm.loyalty.score"]._loyalty_scores_by_partner(
            self.partner_id, self.company_id, as_user=True
        )
        for visit in self:
            score = scores.get((visit.partner_id.commercial_partner_id.id, visit.company_id.id))
            visit.level_id = score.level_id if score else False

    def _search_level_id(self, operator, value):
        """Visits whose customer has a score in the visit's company matching the condition, among the scores the
        user may read."""
        return self.env["crm.loyalty.score"]._loyalty_level_domain(self, "level_id", operator, value)

    @api.model_create_multi
    def create(self, vals_list):
        plan_ids = [vals["plan_id"] for vals in vals_list if vals.get("plan_id")]
        self._loyalty_check_plans_editable(self.env["crm.loyalty.visit.plan"].browse(plan_ids))
        visits = super().create(vals_list)
        # a visit is made only for a customer whose score the user may read
        visits._loyalty_check_customers()
        # visits outside plans go to the calendar at once; planned ones when their plan is confirmed
        visits.filtered(lambda v: not v.plan_id)._loyalty_create_calendar_events()
        return visits

    def _loyalty_check_customers(self):
        Score = self.env["crm.loyalty.score"]
        for company in self.company_id:
            visits = self.filtered(lambda visit, company=company: visit.company_id == company)
            Score._loyalty_check_readable(visits.partner_id, company)

    @api.constrains("plan_id", "user_id", "company_id", "date_planned")
    def _check_plan(self):
        for visit in self.filtered("plan_id"):
            plan = visit.plan_id
            if visit.user_id != plan.user_id or visit.company_id != plan.company_id:
                raise ValidationError(
                    self.env._(
                        "The visit to %(partner)s must have the salesperson and company of its plan %(plan)s.",
                        partner=visit.partner_id.display_name,
                        plan=plan.display_name,
                    )
                )
            start, end = plan._loyalty_month_bounds(plan.date_month)
            if not start <= visit.date_planned <= end:
                raise ValidationError(
                    self.env._(
                        "The visit to %(partner)s must be planned in the month of its plan %(plan)s; "
                        "cancel it (e.g. reason: postponed) to plan it again next month.",
                        partner=visit.partner_id.display_name,
                        plan=plan.display_name,
                    )
                )

    def _loyalty_score(self):
        """The customer's score in the visit's company, read with the user's rights (empty when none)."""
        self.ensure_one()
        scores = self.env["crm.loyalty.score"]._loyalty_scores_by_partner(
            self.partner_id, self.company_id, as_user=True
        )
        return scores.get((self.partner_id.commercial_partner_id.id, self.company_id.id), self.env["crm.loyalty.score"])

    # ------------------------------------------------------------------
    # Brief (information transfer sheet)
    # ------------------------------------------------------------------

    def _loyalty_brief_tickets(self):
        """Open helpdesk tickets of the customer that the user may read (list of dicts ``name``, ``date``,
        ``stage``).

        Empty here: the helpdesk bridge fills it.
        """
        self.ensure_one()
        return []

    def _loyalty_brief_proposals(self, score, limit=5):
        """Products most often invoiced in the ranking window to customers of the same
        level that this customer has never been invoiced (one query). The peers are the customers of that level
        whose scores the user may read (record rules)."""
        if not score.level_id:
            return self.env["product.product"]
        date_from = fields.Date.context_today(self) - relativedelta(months=self.company_id.loyalty_ranking_months)
        peers = self.env["crm.loyalty.score"]._search(
            [("company_id", "=", self.company_id.id), ("level_id", "=", score.level_id.id)]
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT line.product_id
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN crm_loyalty_score peer
                    ON peer.partner_id = move.commercial_partner_id AND peer.company_id = move.company_id
                 WHERE move.company_id = %(company)s
                   AND move.state = 'posted'
                   AND move.move_type = 'out_invoice'
                   AND move.invoice_date >= %(date_from)s
                   AND line.display_type = 'product'
                   AND line.product_id IS NOT NULL
                   AND peer.id IN %(peers)s
                   AND move.commercial_partner_id != %(partner)s
                   AND line.product_id NOT IN (
                       SELECT own.product_id
                         FROM account_move_line own
                         JOIN account_move own_move ON own_move.id = own.move_id
                        WHERE own_move.commercial_partner_id = %(partner)s
                          AND own_move.company_id = %(company)s
                          AND own_move.state = 'posted'
                          AND own_move.move_type IN ('out_invoice', 'out_refund')
                          AND own.product_id IS NOT NULL)
              GROUP BY line.product_id
              ORDER BY COUNT(DISTINCT move.commercial_partner_id) DESC, line.product_id
                 LIMIT %(limit)s
                """,
                company=self.company_id.id,
                date_from=date_from,
                peers=peers.subselect(),
                partner=score.partner_id.id,
                limit=limit,
            )
        )
        return self.env["product.product"].browse([row[0] for row in self.env.cr.fetchall()])

    def _loyalty_readable_search(self, model_name, domain, **kwargs):
        """``model_name`` records matching ``domain`` that the user may read (none without access to the model):
        the brief shows the user what their own rights show them."""
        model = self.env[model_name]
        return model.search(domain, **kwargs) if model.has_access("read") else model

    def _loyalty_brief_data(self):
        """Everything the salesperson should know before the visit, each part read with the user's rights: a
        customer whose score the user may not read is refused, and opportunities, invoices and tickets are those
        the user's record rules show."""
        self.ensure_one()
        self.check_access("read")
        partner = self.partner_id.commercial_partner_id
        self.env["crm.loyalty.score"]._loyalty_check_readable(partner, self.company_id)
        score = self._loyalty_score()
        today = fields.Date.context_today(self)
        last_change = self._loyalty_readable_search(
            "crm.loyalty.history", [("partner_id", "=", partner.id), ("company_id", "=", self.company_id.id)], limit=1
        )
        opportunities = self._loyalty_readable_search(
            "crm.lead",
            [
                ("partner_id", "child_of", partner.id),
                ("type", "=", "opportunity"),
                ("probability", "<", 100),
                ("company_id", "in", (False, self.company_id.id)),
            ],
        )
        overdue = self._loyalty_readable_search(
            "account.move",
            [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", today),
            ],
            order="invoice_date_due",
        )
        return {
            "visit": self,
            "partner": partner,
            "score": score,
            "currency": self.company_id.currency_id,
            "last_change": last_change,
            "opportunities": opportunities,
            "tickets": self._loyalty_brief_tickets(),
            "overdue": overdue,
            "payment_grade": dict(score._fields["payment_grade"]._description_selection(self.env)).get(
                score.payment_grade
            ),
            "proposals": self._loyalty_brief_proposals(score),
        }

    def action_prepare_brief(self):
        # the brief is written by who may edit the visit (its salesperson, or a manager), with what they may read
        self.check_access("write")
        for visit in self:
            # in the salesperson's language, whoever prepares it (a manager confirming the plan, the scheduler)
            local = visit.with_context(lang=visit._loyalty_lang())
            html = local.env["ir.qweb"]._render("crm_loyalty.crm_loyalty_visit_brief", local._loyalty_brief_data())
            visit.write({"brief_html": html, "brief_date": fields.Datetime.now()})
        return True

    # ------------------------------------------------------------------
    # Calendar, outcome
    # ------------------------------------------------------------------

    def _loyalty_calendar_values(self):
        self.ensure_one()
        return {
            "name": self.name,
            "user_id": self.user_id.id,
            "partner_ids": [Command.set((self.user_id.partner_id | self.partner_id).ids)],
            "allday": True,
            "start_date": self.date_planned,
            "stop_date": self.date_planned,
            "description": self.objective or "",
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
        }

    def _loyalty_create_calendar_events(self):
        """An all-day event in the salesperson's calendar per planned visit; the customer is an
        attendee but is not emailed (the plan is internal until the salesperson makes the appointment)."""
        # with the user's own rights: every employee may create events in a colleague's calendar
        Event = self.env["calendar.event"].with_context(mail_create_nosubscribe=True, no_mail_to_attendees=True)
        for visit in self.filtered(lambda v: v.state == "planned" and not v.calendar_event_id):
            visit.calendar_event_id = Event.create(visit._loyalty_calendar_values())

    @api.model
    def _loyalty_check_plans_editable(self, plans):
        if any(plan.state == "confirmed" for plan in plans):
            raise UserError(
                self.env._(
                    "Visits cannot be added to or removed from a confirmed visit plan; "
                    "reset it to draft, or cancel the visit with a reason."
                )
            )

    def write(self, vals):
        if "plan_id" in vals:
            plans = self.plan_id | self.env["crm.loyalty.visit.plan"].browse(vals["plan_id"] or [])
            self._loyalty_check_plans_editable(plans)
        res = super().write(vals)
        if {"partner_id", "company_id"} & set(vals):
            self._loyalty_check_customers()
        if {"date_planned", "user_id", "partner_id", "objective"} & set(vals):
            for visit in self.filtered("calendar_event_id"):
                event_vals = visit._loyalty_calendar_values()
                event_vals.pop("res_model_id")
                event_vals.pop("res_id")
                visit.calendar_event_id.with_context(no_mail_to_attendees=True).write(event_vals)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_confirmed_plan(self):
        self._loyalty_check_plans_editable(self.plan_id)

    def unlink(self):
        events = self.calendar_event_id
        res = super().unlink()
        events.unlink()
        return res

    def _loyalty_check_planned(self):
        for visit in self:
            if visit.state != "planned":
                raise UserError(
                    self.env._(
                        "The visit to %(partner)s is already %(state)s.",
                        partner=visit.partner_id.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env))[visit.state],
                    )
                )

    def action_done(self):
        self._loyalty_check_planned()
        for visit in self:
            if not visit.outcome:
                raise UserError(
                    self.env._("Give the outcome of the visit to %(partner)s.", partner=visit.partner_id.name)
                )
            visit.state = "done"
            outcome = dict(self._fields["outcome"]._description_selection(self.env))[visit.outcome]
            body = Markup("<p>%s</p>") % self.env._(
                "Visit of %(date)s by %(user)s - outcome: %(outcome)s.",
                date=visit.date_planned,
                user=visit.user_id.name,
                outcome=outcome,
            )
            if visit.feedback:
                body += Markup("<p>%s</p>") % visit.feedback
            visit.partner_id.commercial_partner_id.message_post(body=body, subtype_xmlid="mail.mt_note")
            visit.message_post(body=body, subtype_xmlid="mail.mt_note")
        return True

    def action_cancel(self):
        self._loyalty_check_planned()
        for visit in self:
            if not (visit.cancel_reason or "").strip():
                raise UserError(
                    self.env._(
                        "Give the reason why the visit to %(partner)s is cancelled.", partner=visit.partner_id.name
                    )
                )
            visit.state = "cancelled"
            visit.calendar_event_id.unlink()
        return True

    @api.model
    def _loyalty_next_visits(self, partners, companies):
        """Next planned visit date (today or later) per ``(commercial partner id, company id)`` of
        ``partners`` in ``companies``, counting the visits to their contacts."""
        groups = self._read_group(
            [
                ("commercial_partner_id", "in", partners.commercial_partner_id.ids),
                ("company_id", "in", companies.ids),
                ("state", "=", "planned"),
                ("date_planned", ">=", fields.Date.context_today(self)),
            ],
            ["commercial_partner_id", "company_id"],
            ["date_planned:min"],
        )
        return {(partner.id, company.id): date for partner, company, date in groups}
