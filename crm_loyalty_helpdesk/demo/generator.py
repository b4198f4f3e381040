# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Demo tickets of crm_loyalty's demo customers: more of them and faster answers for the larger customers,
ratings that vary by level (and fall for one Big customer), complaints among them. Loaded at the bridge's
installation with demo data, when crm_loyalty's demo customers are there; removed with the bridge."""

import logging
import random
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields

_logger = logging.getLogger(__name__)

SEED = 20260102
MARKER_XMLID = "crm_loyalty_helpdesk.demo_category_question"
# per level: tickets per customer in the last year, hours to close (range), ratings (values and weights)
POLICY = {
    "top": (6, (2, 12), ([5, 4, 3], [6, 3, 1])),
    "big": (4, (4, 24), ([5, 4, 3, 2], [4, 4, 1, 1])),
    "medium": (2.5, (8, 72), ([5, 4, 3, 2], [3, 4, 2, 1])),
    "small": (1, (24, 160), ([5, 4, 3, 2, 1], [3, 5, 3, 1, 1])),
    "inactive": (0.4, (24, 240), ([4, 3, 2, 1], [1, 2, 3, 2])),
}
CATEGORIES = [
    ("question", "Question", False),
    ("invoice", "Invoice dispute", True),
    ("deadline", "Missed deadline", True),
]
SUBJECTS = {
    "question": ["Question about our VAT return", "Access to the client portal", "Documents for the audit"],
    "invoice": ["Invoice amount disputed", "Hours billed twice"],
    "deadline": ["Payroll delivered late", "Filing deadline missed"],
}


class LoyaltyHelpdeskDemo:
    def __init__(self, env):
        self.env = env(su=True, context=dict(env.context, tracking_disable=True, mail_notrack=True))

    def _xmlids(self, records, name):
        self.env["ir.model.data"]._update_xmlids(
            [
                {"xml_id": f"crm_loyalty_helpdesk.demo_{name}_{index:03d}", "record": record, "noupdate": True}
                for index, record in enumerate(records, start=1)
            ]
        )

    def generate(self):
        if not self.env.ref("crm_loyalty.demo_partner_001", raise_if_not_found=False):
            return  # crm_loyalty without its demo customers
        if self.env.ref(MARKER_XMLID, raise_if_not_found=False):
            return
        rng = random.Random(SEED)
        company = self.env.ref("base.main_company")
        today = fields.Date.context_today(self.env["res.partner"])
        categories = {}
        for code, name, complaint in CATEGORIES:
            category = self.env["helpdesk.ticket.category"].create({"name": name, "is_complaint": complaint})
            self.env["ir.model.data"]._update_xmlids(
                [{"xml_id": f"crm_loyalty_helpdesk.demo_category_{code}", "record": category, "noupdate": True}]
            )
            categories[code] = category
        closed = self.env["helpdesk.ticket.stage"].search([("closed", "=", True)], limit=1)
        scores = self.env["crm.loyalty.score"].search(
            [("company_id", "=", company.id), ("invoice_count", ">", 0), ("level_id.code", "in", list(POLICY))]
        )
        # one Big customer whose satisfaction falls: rated well, then badly in the last months
        falling = scores.filtered(lambda s: s.level_code == "big")[:1]
        tickets, plan = self.env["helpdesk.ticket"], []
        for score in scores:
            per_year, hours, (values, weights) = POLICY[score.level_code]
            count = int(per_year) + (rng.random() < per_year % 1)
            for _index in range(count):
                created = today - relativedelta(days=rng.randint(0, 364))
                code = rng.choices(["question", "invoice", "deadline"], [6, 2, 2])[0]
                value = rng.choices(values, weights)[0]
                if score == falling:
                    value = 2 if created > today - relativedelta(months=3) else 5
                plan.append((score.partner_id, created, code, value, rng.uniform(*hours), rng.random()))
        vals_list = [
            {
                "name": rng.choice(SUBJECTS[code]),
                "description": f"<p>{rng.choice(SUBJECTS[code])}</p>",
                "partner_id": partner.id,
                "company_id": company.id,
                "category_id": categories[code].id,
            }
            for partner, _created, code, _value, _hours, _draw in plan
        ]
        tickets = self.env["helpdesk.ticket"].create(vals_list)
        self._xmlids(tickets, "ticket")
        rated = 0
        for ticket, (_partner, created, _code, value, hours, draw) in zip(tickets, plan, strict=True):
            opened = datetime.combine(created, time(9)) + timedelta(minutes=rng.randint(0, 480))
            is_closed = draw < 0.85 or created < today - relativedelta(months=1)
            if is_closed:
                ticket.stage_id = closed
                if draw < 0.7:
                    ticket.rating_apply(value, token=ticket._rating_get_access_token())
                    rated += 1
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE helpdesk_ticket SET create_date = %s, closed_date = %s WHERE id = %s",
                [opened, opened + timedelta(hours=hours) if is_closed else None, ticket.id],
            )
            self.env.cr.execute(
                "UPDATE rating_rating SET create_date = %s, write_date = %s "
                "WHERE res_model = 'helpdesk.ticket' AND res_id = %s",
                [opened, opened + timedelta(hours=hours + 20), ticket.id],
            )
        self.env.invalidate_all()
        ratings = self.env["rating.rating"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "in", tickets.ids)]
        )
        self._xmlids(ratings, "rating")
        _logger.info("Customer loyalty helpdesk demo: %s tickets, %s ratings", len(tickets), rated)
        # the service figures on the scores and in the KPIs of the demo's months
        self.env["res.partner"].with_context(loyalty_trigger="install").loyalty_recompute(company)
        for back in range(12, 0, -1):
            self.env["crm.loyalty.kpi"]._compute_month(today - relativedelta(months=back), company)
