# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False, imported_module=False):
        """The pyramid levels are records each company gets from code, not data files: when a language is
        installed after the module (or its terms are loaded again), their default names are translated
        too (as ``account`` does for its chart templates)."""
        res = super()._load_module_terms(modules, langs, overwrite=overwrite, imported_module=imported_module)
        if "crm_loyalty" in modules and self.env.registry.loaded and "crm.loyalty.level" in self.env:
            self.env["crm.loyalty.level"]._loyalty_translate_default_names(langs)
        return res
