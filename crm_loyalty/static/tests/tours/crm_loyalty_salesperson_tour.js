/** @odoo-module */
// A salesperson: dashboard, pyramid, scores, a contact's Loyalty tab, a quotation for a Top customer.
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { openLoyaltyMenu, openMenu, pickMany2one, search } from "./crm_loyalty_tour_utils";

registry.category("web_tour.tours").add("crm_loyalty_salesperson_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        { content: "open CRM", trigger: '.o_app[data-menu-xmlid="crm.crm_menu_root"]', run: "click" },
        ...openLoyaltyMenu("crm_loyalty_dashboard_menu", "open the dashboard"),
        { content: "the dashboard draws the pyramid", trigger: ".o_field_widget[name=pyramid_html]:contains(Top)" },
        { content: "and the last run", trigger: ".o_field_widget[name=run_html] .o_loyalty_run" },
        {
            content: "the retention, churn and active customers trend is drawn",
            trigger: ".o_field_widget[name=trend_data] .o_loyalty_trend_chart canvas:not(.d-none)",
        },
        { content: "open the pyramid", trigger: ".o_form_view button:contains(Pyramid)", run: "click" },
        { content: "the pyramid counts the Top customers", trigger: ".o_pivot th:contains(Top)" },
        ...openLoyaltyMenu("crm_loyalty_clv_menu", "open the lifetime value per level"),
        { content: "a graph of the lifetime value per level", trigger: ".o_graph_renderer canvas" },
        { content: "the lifetime value action", trigger: ".o_breadcrumb:contains(Lifetime Value per Level)" },
        ...openLoyaltyMenu("crm_loyalty_score_menu", "open the customer scores"),
        ...search("Tour Top Customer"),
        { content: "open the score", trigger: ".o_data_row:contains(Tour Top Customer) .o_data_cell:first", run: "click" },
        { content: "the score shows the level", trigger: ".o_form_view .o_field_widget[name=level_id]:contains(Top)" },
        // the contact's Loyalty tab
        ...openMenu("crm.crm_menu_sales", "crm.res_partner_menu_customer", "open the customers"),
        ...search("Tour Top Customer"),
        { content: "open the customer", trigger: ".o_kanban_record:contains(Tour Top Customer)", run: "click" },
        { content: "the level in the button box", trigger: ".oe_stat_button:contains(Pyramid Level):contains(Top)" },
        { content: "open the Loyalty tab", trigger: ".o_notebook .nav-link:contains(Loyalty)", run: "click" },
        {
            content: "the Loyalty tab lists the score",
            trigger: ".o_field_widget[name=loyalty_score_ids] .o_data_row:contains(Top)",
        },
        // their annual plan: the year reads as a year, not as an amount
        ...openLoyaltyMenu("crm_loyalty_target_menu", "open the annual plans"),
        {
            content: "the year is written without a thousands separator",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=year]",
            run() {
                const text = this.anchor.textContent.trim();
                if (!/^\d{4}$/.test(text)) {
                    throw new Error(`the year reads "${text}"`);
                }
            },
        },
        // a quotation takes the level's badge and pricelist
        ...openMenu("crm.crm_menu_sales", "sale_crm.sale_order_menu_quotations_crm", "open the quotations"),
        { content: "new quotation", trigger: ".o_control_panel_main_buttons button.o_list_button_add", run: "click" },
        ...pickMany2one("partner_id", "Tour Top Customer", "Tour Top Customer"),
        { content: "the quotation shows the Top badge", trigger: ".o_field_widget[name=loyalty_level_id]:contains(Top)" },
        {
            content: "and takes the Top pricelist",
            trigger: ".o_field_widget[name=pricelist_id] input:value(Tour Top Pricelist)",
        },
        ...stepUtils.saveForm(),
    ],
});
