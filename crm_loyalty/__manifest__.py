# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Customer Loyalty Pyramid",
    "summary": "Customer pyramid, profit classes and level history computed from posted invoices",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-loyalty/crm_loyalty",
    "author": "crm_loyalty developers",
    "maintainers": ["crm-loyalty"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "application": False,
    "installable": True,
    "depends": ["account", "crm", "sale"],
    "external_dependencies": {"python": ["pandas", "numpy"]},
    "data": [
        "security/crm_loyalty_security.xml",
        "security/ir.model.access.csv",
        "data/crm_loyalty_level_data.xml",
        "data/ir_cron_data.xml",
        "views/crm_loyalty_level_views.xml",
        "views/crm_loyalty_score_views.xml",
        "views/crm_loyalty_history_views.xml",
        "views/crm_loyalty_run_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/crm_loyalty_override_wizard_views.xml",
        "views/crm_loyalty_menus.xml",
    ],
    "demo": [
        "demo/crm_loyalty_demo.xml",
    ],
}
