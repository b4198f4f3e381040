# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import math

from odoo import api, models
from odoo.exceptions import ValidationError

_MODULE = "crm_loyalty"  # and its bridges, crm_loyalty_<app>, whose names it does not know
_NUMBER_TYPES = ("integer", "float", "monetary")
_INT_MAX = 2**31 - 1  # PostgreSQL integer
_FLOAT_MAX = 1e15  # beyond any amount, share, rate or weight the module keeps


def _ours(field):
    """Whether ``field`` is defined by this module or one of its bridges (``crm_loyalty_<app>``)."""
    module = field._module or ""
    return module == _MODULE or module.startswith(_MODULE + "_")


def check_number_vals(model, vals_list):
    """Refuse, with a sentence, a value that is not a usable number for a numeric field defined by
    this module: text (``'abc'``), NaN, infinities, a fraction or an out-of-range value for an
    integer, or an absurdly large amount.

    Odoo would otherwise raise a ``ValueError`` with a traceback (text), store NaN in PostgreSQL, or
    fail in the database (integers beyond its range). Called before ``create`` / ``write``
    convert the values; range rules of each field stay in its model's constraints.
    """
    for vals in vals_list:
        for name, value in vals.items():
            field = model._fields.get(name)
            if field is None or field.type not in _NUMBER_TYPES or not _ours(field):
                continue
            if value is None or value is False or isinstance(value, bool):
                continue
            label = field._description_string(model.env)
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValidationError(
                    model.env._("%(field)s must be a number, not “%(value)s”.", field=label, value=value)
                ) from None
            if not math.isfinite(number):
                raise ValidationError(model.env._("%(field)s must be a finite number.", field=label))
            if field.type == "integer":
                if number != int(number):
                    raise ValidationError(
                        model.env._("%(field)s must be a whole number, not %(value)s.", field=label, value=value)
                    )
                if abs(number) > _INT_MAX:
                    raise ValidationError(
                        model.env._(
                            "%(field)s is out of range: %(value)s (at most %(max)s).",
                            field=label,
                            value=value,
                            max=_INT_MAX,
                        )
                    )
            elif abs(number) > _FLOAT_MAX:
                raise ValidationError(
                    model.env._(
                        "%(field)s is out of range: %(value)s (at most 10^15 in absolute value).",
                        field=label,
                        value=value,
                    )
                )


class CrmLoyaltyNumberMixin(models.AbstractModel):
    """Numeric input checks (:func:`check_number_vals`) on ``create`` and ``write``."""

    _name = "crm.loyalty.number.mixin"
    _description = "Customer Loyalty: numeric input checks"

    @api.model_create_multi
    def create(self, vals_list):
        check_number_vals(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_number_vals(self, [vals])
        return super().write(vals)
