/** @odoo-module */
// A helpdesk agent opens a ticket for a Top customer: the ticket takes the Top level's priority.
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_loyalty_helpdesk_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "open Helpdesk",
            trigger: '.o_app[data-menu-xmlid="helpdesk_mgmt.helpdesk_ticket_main_menu"]',
            run: "click",
        },
        {
            content: "open the tickets",
            trigger: '.o_main_navbar .dropdown-toggle[data-menu-xmlid="helpdesk_mgmt.helpdesk_ticket_menu"]',
            run: "click",
        },
        {
            content: "all tickets",
            trigger: '.o-dropdown--menu .dropdown-item[data-menu-xmlid="helpdesk_mgmt.helpdesk_all_ticket_menu"]',
            run: "click",
        },
        {
            content: "new ticket",
            trigger: ".o_control_panel_main_buttons :is(.o_list_button_add, .o-kanban-button-new)",
            run: "click",
        },
        { content: "a title", trigger: ".o_field_widget[name=name] input", run: "edit Tour: the audit report is late" },
        {
            content: "a description",
            trigger: ".o_field_widget[name=description] .odoo-editor-editable",
            run: "editor The report promised for Monday has not arrived.",
        },
        { content: "the default priority", trigger: ".o_field_widget[name=priority]:has(.fa-star-o)" },
        { content: "the customer", trigger: ".o_field_widget[name=partner_id] input", run: "edit Tour Top Customer" },
        {
            content: "pick the Top customer",
            trigger: ".o-autocomplete--dropdown-item > a:contains(Tour Top Customer)",
            run: "click",
        },
        {
            content: "the ticket takes the Top priority (three stars)",
            trigger: ".o_field_widget[name=priority]:not(:has(.fa-star-o)):has(.fa-star)",
        },
        ...stepUtils.saveForm(),
    ],
});
