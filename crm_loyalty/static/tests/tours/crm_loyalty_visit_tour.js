/** @odoo-module */
// Visits: generate the month's plans, confirm one, prepare and print a pre-visit brief, mark the visit
// done with an outcome, and see the completion on the plan.
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { openLoyaltyMenu, search } from "./crm_loyalty_tour_utils";

registry.category("web_tour.tours").add("crm_loyalty_visit_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        { content: "open CRM", trigger: '.o_app[data-menu-xmlid="crm.crm_menu_root"]', run: "click" },
        ...openLoyaltyMenu("crm_loyalty_visit_generate_menu", "generate the visit plans"),
        { content: "open the salesperson's plan", trigger: ".o_data_row:contains(Marc Demo) .o_data_cell:first", run: "click" },
        {
            content: "the plan visits the Top customer",
            trigger: ".o_field_widget[name=visit_ids] .o_data_row:contains(Tour Top Customer)",
        },
        { content: "confirm the plan", trigger: ".o_form_view button[name=action_confirm]", run: "click" },
        { content: "the plan is confirmed", trigger: ".o_form_view button[name=action_reset_draft]" },
        ...openLoyaltyMenu("crm_loyalty_visit_menu", "open the visits"),
        {
            content: "the manager looks at every salesperson's visits",
            trigger: ".o_searchview_facet:contains(My Visits) .o_facet_remove",
            run: "click",
        },
        ...search("Tour Top Customer"),
        { content: "open the visit", trigger: ".o_data_row:contains(Tour Top Customer) .o_data_cell:first", run: "click" },
        { content: "prepare the brief", trigger: ".o_form_view button[name=action_prepare_brief]", run: "click" },
        {
            content: "the brief is on the visit",
            trigger: ".o_field_widget[name=brief_html]:contains(Pre-visit brief):contains(Tour Top Customer)",
        },
        { content: "open the actions", trigger: ".o_cp_action_menus button:has(.fa-cog)", run: "click" },
        { content: "print the brief", trigger: ".o-dropdown--menu .o_menu_item:contains(Pre-Visit Brief)", run: "click" },
        { content: "the printed brief", trigger: ":iframe .o_loyalty_brief:contains(Tour Top Customer)" },
        { content: "back to the visit", trigger: ".o_breadcrumb .breadcrumb-item:last a", run: "click" },
        { content: "a positive outcome", trigger: ".o_field_widget[name=outcome] select", run: 'select "positive"' },
        { content: "mark the visit done", trigger: ".o_form_view button[name=action_done]", run: "click" },
        { content: "the visit is done", trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Done)" },
        ...openLoyaltyMenu("crm_loyalty_visit_plan_menu", "open the visit plans"),
        { content: "open the plan", trigger: ".o_data_row:contains(Marc Demo) .o_data_cell:first", run: "click" },
        { content: "one visit done", trigger: ".o_field_widget[name=done_count]:contains(1)" },
        {
            content: "the plan lists the visit as done",
            trigger: ".o_field_widget[name=visit_ids] .o_data_row:contains(Tour Top Customer):contains(Done):contains(Positive)",
        },
    ],
});
