# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from .demo.generator import LoyaltyHelpdeskDemo


def post_init_hook(env):
    """With demo data (and crm_loyalty's demo customers): their tickets and ratings."""
    if env.ref("base.module_crm_loyalty_helpdesk").demo:
        LoyaltyHelpdeskDemo(env).generate()
