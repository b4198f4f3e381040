# Copyright 2026 crm_loyalty developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Customer Loyalty Pyramid - Helpdesk",
    "summary": "Pyramid level on helpdesk tickets, ticket priority by level, satisfaction and complaint analysis",
    "version": "18.0.1.6.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-loyalty/crm_loyalty",
    "author": "crm_loyalty developers",
    "maintainers": ["crm-loyalty"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "installable": True,
    "auto_install": True,
    "depends": ["crm_loyalty", "helpdesk_mgmt", "helpdesk_mgmt_rating"],
    "data": [
        "security/ir.model.access.csv",
        "security/crm_loyalty_helpdesk_security.xml",
        "report/crm_loyalty_ticket_report_views.xml",
        "views/res_config_settings_views.xml",
        "views/helpdesk_ticket_views.xml",
        "views/helpdesk_ticket_category_views.xml",
        "views/crm_loyalty_score_views.xml",
        "views/crm_loyalty_kpi_views.xml",
        "views/crm_loyalty_dashboard_views.xml",
        "views/crm_loyalty_level_views.xml",
    ],
    "pre_init_hook": "pre_init_hook",
    "post_init_hook": "post_init_hook",
    "assets": {
        "web.assets_tests": [
            "crm_loyalty_helpdesk/static/tests/tours/**/*",
        ],
    },
}
