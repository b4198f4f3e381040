# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from .demo.generator import LoyaltyHelpdeskDemo


def pre_init_hook(env):
    """The levels' ticket priority column, empty, before the field fills it with its default: the levels then
    get their own default priority (Top very high, Big high...), and the priorities kept from an earlier version
    of crm_loyalty, which had the field, stay."""
    env.cr.execute("ALTER TABLE crm_loyalty_level ADD COLUMN IF NOT EXISTS helpdesk_priority varchar")


def post_init_hook(env):
    """Each level's default ticket priority; with demo data (and crm_loyalty's demo customers): their tickets
    and ratings."""
    env["crm.loyalty.level"]._loyalty_default_priorities()
    if env.ref("base.module_crm_loyalty_helpdesk").demo:
        LoyaltyHelpdeskDemo(env).generate()
