# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, models


class ReportCrmLoyaltyVisitBrief(models.AbstractModel):
    """The printed pre-visit brief: the brief of each visit, read with the printing user's rights before the
    template renders (a customer whose score the user may not read is refused with a sentence, not a template
    error)."""

    _name = "report.crm_loyalty.crm_loyalty_visit_report_document"
    _description = "Pre-Visit Brief"

    @api.model
    def _get_report_values(self, docids, data=None):
        visits = self.env["crm.loyalty.visit"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "crm.loyalty.visit",
            "docs": visits,
            "briefs": {visit.id: visit._loyalty_brief_data() for visit in visits},
        }
