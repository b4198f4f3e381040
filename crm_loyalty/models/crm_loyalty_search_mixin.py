# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import api, models

from .loyalty_search import hide_unsearchable


class CrmLoyaltySearchMixin(models.AbstractModel):
    """A model with figures computed when shown (``search=unsearchable(...)``): searching them is refused with a
    sentence, and the web client does not offer them as filters."""

    _name = "crm.loyalty.search.mixin"
    _description = "Customer Loyalty: figures that cannot filter"

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        return hide_unsearchable(self, super().fields_get(allfields, attributes))
