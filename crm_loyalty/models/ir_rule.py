# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import models
from odoo.exceptions import AccessError


class IrRule(models.Model):
    _inherit = "ir.rule"

    def _make_access_error(self, operation, records):
        """The refusal of a company rule on a table of the pyramid engine whose ``company_id`` is a plain integer
        (no foreign key: ``crm.loyalty.move``, ``crm.loyalty.move.cost``): Odoo's own refusal describes the
        records' company as a company record and fails on an integer; a sentence instead."""
        if getattr(records, "_loyalty_integer_company", False):
            return AccessError(
                self.env._(
                    "%(model)s are kept by the pyramid engine for the companies you work in: you may not read "
                    "or change those of another company (records %(ids)s).",
                    model=records._description,
                    ids=", ".join(str(record_id) for record_id in records.ids[:10]),
                )
            )
        return super()._make_access_error(operation, records)
