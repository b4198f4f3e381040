# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The conditions the module's searchable computed fields accept: anything else is refused with a sentence
(UserError) instead of a traceback from the database or from Odoo's domain parser."""

from odoo.exceptions import UserError
from odoo.tools.query import Query

# a relational field compared with ids, a name, False or a sub-domain
RELATIONAL_OPERATORS = ("=", "!=", "in", "not in", "any", "not any", "ilike", "not ilike", "like", "not like")
# the negation of each negative operator; "= False" is the negation of "!= False"
NEGATIONS = {"!=": "=", "not in": "in", "not any": "any", "not ilike": "ilike", "not like": "like"}
NUMBER_OPERATORS = ("=", "!=", "<", "<=", ">", ">=")


def _label(model, name):
    return model._fields[name].get_description(model.env)["string"]


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def check_relational(model, name, operator, value):
    """Refuse a condition on the relational field ``name`` of ``model`` that is not one of
    :data:`RELATIONAL_OPERATORS` with a value of the right kind (ids, a name, False, a domain)."""
    label = _label(model, name)
    if operator not in RELATIONAL_OPERATORS:
        raise UserError(
            model.env._(
                "%(field)s cannot be searched with the operator “%(operator)s”: use =, !=, in, not in or a name.",
                field=label,
                operator=operator,
            )
        )
    if operator in ("any", "not any"):
        valid = isinstance(value, list | tuple)
    elif operator in ("in", "not in"):
        # ids, or the subquery Odoo's domain parser passes on for a condition on a sub-field
        valid = isinstance(value, Query) or (
            isinstance(value, list | tuple) and all(_is_id(item) or item is False for item in value)
        )
    elif operator in ("=", "!="):
        valid = value is False or _is_id(value) or isinstance(value, str)
    else:
        valid = isinstance(value, str)
    if not valid:
        raise UserError(
            model.env._(
                "%(field)s cannot be compared with “%(value)s”: give record ids, a name or False.",
                field=label,
                value=value,
            )
        )


def positive(operator, value):
    """``(operator, value, negate)``: a negative condition as the negation of its positive form, so that the
    records without any related record (no score, no level) fall on the right side. ``!= False`` (set) is
    positive, ``= False`` (not set) its negation."""
    if operator == "!=" and value is False:
        return operator, value, False
    if operator in NEGATIONS:
        return NEGATIONS[operator], value, True
    if operator == "=" and value is False:
        return "!=", False, True
    return operator, value, False


def check_number(model, name, operator, value, bound):
    """The whole number a condition on the number field ``name`` of ``model`` compares with (False, "not set",
    is 0); refuses any other condition than a comparison with a whole number whose absolute value is at most
    ``bound``."""
    if value is False:
        value = 0
    if operator not in NUMBER_OPERATORS or not isinstance(value, int) or isinstance(value, bool) or abs(value) > bound:
        low, high = format(-bound, ","), format(bound, ",")
        raise UserError(
            model.env._(
                "%(field)s can only be compared (=, !=, <, <=, >, >=) with a whole number between %(low)s and "
                "%(high)s.",
                field=_label(model, name),
                low=low,
                high=high,
            )
        )
    return value


def unsearchable(name):
    """The search method of the non-stored figure ``name``: computed when shown (from other records, or for a
    screen), it cannot filter records; Odoo would otherwise log an error and ignore the condition, returning
    every record. :func:`hide_unsearchable` keeps it out of the filters offered in the web client."""

    def search(records, operator, value):
        raise UserError(
            records.env._(
                "%(field)s is computed when it is shown and cannot be used to filter records.",
                field=_label(records, name),
            )
        )

    search.loyalty_unsearchable = True
    return search


def hide_unsearchable(model, description):
    """``fields_get``: the fields whose search is :func:`unsearchable` (or a related field of one) are described
    as not searchable, as Odoo describes a computed field without a search method."""
    for name, attributes in description.items():
        field = model._fields[name]
        target = field.related_field if field.related else field
        if attributes.get("searchable") and getattr(target.search, "loyalty_unsearchable", False):
            attributes["searchable"] = False
    return description
