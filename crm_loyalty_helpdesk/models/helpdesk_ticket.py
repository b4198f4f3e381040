# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, fields, models

from odoo.addons.crm_loyalty.models.loyalty_access import LOYALTY_USER


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    loyalty_level_id = fields.Many2one(
        "crm.loyalty.level",
        string="Customer Level",
        compute="_compute_loyalty_level_id",
        search="_search_loyalty_level_id",
        groups=LOYALTY_USER,
        help="Pyramid level of the ticket's customer in the ticket's company.",
    )
    loyalty_level_code = fields.Selection(
        related="loyalty_level_id.code", string="Customer Level Code", groups=LOYALTY_USER, depends_context=("uid",)
    )

    # uid: the score is looked up with the user's record rules (see crm_loyalty's res.partner)
    @api.depends_context("uid")
    @api.depends("partner_id.commercial_partner_id", "company_id")
    def _compute_loyalty_level_id(self):
        scores = self.env["crm.loyalty.score"]._loyalty_scores_by_partner(
            self.partner_id, self.company_id, as_user=True
        )
        for ticket in self:
            score = scores.get((ticket.partner_id.commercial_partner_id.id, ticket.company_id.id))
            ticket.loyalty_level_id = score.level_id if score else False

    def _search_loyalty_level_id(self, operator, value):
        # the user's record rules apply: a salesperson finds the tickets of their own customers
        return self.env["crm.loyalty.score"]._loyalty_level_domain(self, "loyalty_level_id", operator, value)

    @api.model
    def _loyalty_level_priorities(self, pairs):
        """The helpdesk priority of the level of each ``(partner id, company id)``, where the level sets one.

        A business rule for whoever writes the ticket (with or without loyalty rights): only the level's
        priority is read."""
        partners = self.env["res.partner"].browse({partner_id for partner_id, _company_id in pairs})
        companies = self.env["res.company"].browse({company_id for _partner_id, company_id in pairs})
        scores = self.env["crm.loyalty.score"]._loyalty_scores_by_partner(partners, companies)
        priorities = {}
        for partner_id, company_id in pairs:
            score = scores.get((partners.browse(partner_id).commercial_partner_id.id, company_id))
            if score and score.level_id.helpdesk_priority:
                priorities[partner_id, company_id] = score.level_id.helpdesk_priority
        return priorities

    @api.onchange("partner_id", "company_id")
    def _onchange_loyalty_priority(self):
        """In the ticket form, a new ticket takes the priority of its customer's level as soon as the customer
        is chosen (the form sends a priority on save, so :meth:`create` would keep the default); the agent may
        change it afterwards."""
        # only for who may record a ticket in that company: the priority says the customer's level
        if not self.env["helpdesk.ticket"].has_access("create"):
            return
        allowed = self.env.user.company_ids
        new = self.filtered(
            lambda ticket: not ticket._origin
            and ticket.partner_id
            and (ticket.company_id or self.env.company) in allowed
        )
        keys = {ticket: (ticket.partner_id.id, (ticket.company_id or self.env.company).id) for ticket in new}
        priorities = self._loyalty_level_priorities(set(keys.values())) if keys else {}
        for ticket, key in keys.items():
            if key in priorities:
                ticket.priority = priorities[key]

    @api.model_create_multi
    def create(self, vals_list):
        """A new ticket takes the priority of its customer's level unless one is given."""
        default_company = self.env.company.id
        keys = [
            (vals["partner_id"], vals.get("company_id") or default_company)
            if vals.get("partner_id") and "priority" not in vals
            else None
            for vals in vals_list
        ]
        priorities = self._loyalty_level_priorities({key for key in keys if key}) if any(keys) else {}
        for vals, key in zip(vals_list, keys, strict=True):
            if key in priorities:
                vals["priority"] = priorities[key]
        return super().create(vals_list)
