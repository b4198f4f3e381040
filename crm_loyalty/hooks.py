# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).


def uninstall_hook(env):
    """Before the module's records are removed: the demo's invoices, quotations and opportunities, which
    would otherwise keep its partners and products (see ``crm.loyalty.demo._demo_remove``)."""
    env["crm.loyalty.demo"]._demo_remove()
