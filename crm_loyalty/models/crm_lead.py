# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, models
from odoo.tools import SQL


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def _loyalty_pipeline_partner_ids(self, company):
        """Commercial partners with an open opportunity (of ``company`` or of no company) and those with a
        quotation or sales order of ``company``: the Prospects when they never bought."""
        self.flush_model(["partner_id", "type", "active", "probability", "company_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT partner.commercial_partner_id
                  FROM crm_lead lead
                  JOIN res_partner partner ON partner.id = lead.partner_id
                 WHERE lead.type = 'opportunity'
                   AND lead.active
                   AND COALESCE(lead.probability, 0) < 100
                   AND (lead.company_id IS NULL OR lead.company_id = %(company)s)
                """,
                company=company.id,
            )
        )
        partners = {row[0] for row in self.env.cr.fetchall()}
        return partners | self.env["sale.order"]._loyalty_pipeline_partner_ids(company)
