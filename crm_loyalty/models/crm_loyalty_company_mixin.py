# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Company integrity of the module's company-bound records."""

from odoo import models
from odoo.exceptions import UserError


class CrmLoyaltyCompanyMixin(models.AbstractModel):
    """A record of the module stays in its company once other records depend on it, and is never moved into a
    company its user may not work in.

    Odoo checks the record rules of a write on the record as it was: without this, a user of company A could
    move A's level, estimate or visit into company B by writing ``company_id`` (A's next run misses a level, B's
    score takes A's estimate). Every model of the module with a ``company_id`` inherits this mixin (a test
    finds them by introspection).
    """

    _name = "crm.loyalty.company.mixin"
    _description = "Customer Loyalty: company integrity"

    def _loyalty_company_locked(self):
        """The records of ``self`` whose company can no longer change because other records depend on them.
        Default: every record (levels carry scores and history, estimates their score, visits their plan and
        calendar, KPI rows and plans the figures of their company); a model whose records are free until
        computed (economics, migrations) narrows it."""
        return self

    def write(self, vals):
        if "company_id" in vals:
            self._loyalty_check_company_move(vals["company_id"])
        return super().write(vals)

    def _loyalty_check_company_move(self, company_id):
        company = self.env["res.company"].browse(company_id or [])
        moving = self.filtered(lambda record: record.company_id != company)
        if not moving:
            return
        locked = moving._loyalty_company_locked()
        if locked:
            raise UserError(
                self.env._(
                    "%(records)s cannot move to another company: records of %(company)s depend on it. Create a "
                    "new one in the other company instead.",
                    records=", ".join(locked[:3].mapped("display_name")),
                    company=locked[:1].company_id.display_name,
                )
            )
        if company:
            # refuses a company the user may not work in (AccessError) or that does not exist
            self.env["res.company"]._loyalty_allowed_company(company)
