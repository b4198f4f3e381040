/** @odoo-module */
// A loyalty manager: a settings change refused then accepted, Recompute Now in the background, an override
// with its reason and its history row, economics, a what-if scenario and the Excel workbook.
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import {
    expectWorkbookDownload,
    openLoyaltyMenu,
    pickMany2one,
    search,
    waitForRun,
} from "./crm_loyalty_tour_utils";

registry.category("web_tour.tours").add("crm_loyalty_manager_tour", {
    url: "/odoo/settings",
    steps: () => [
        // settings: refused with its message, then accepted
        { content: "the CRM settings", trigger: ".settings_tab .tab[data-key=crm]", run: "click" },
        {
            content: "the Customer Pyramid settings",
            trigger: ".app_settings_block[data-key=crm]:contains(Shares of active customers)",
        },
        { content: "a history of 0 months", trigger: ".o_field_widget[name=loyalty_history_months] input", run: "edit 0" },
        { content: "save", trigger: ".o_control_panel .o_form_button_save", run: "click" },
        {
            content: "the settings are refused with their reason",
            trigger: ".modal:contains(The level history is rebuilt over 1 to)",
        },
        { content: "close the message", trigger: ".modal .modal-footer .btn-primary", run: "click" },
        { content: "a history of 18 months", trigger: ".o_field_widget[name=loyalty_history_months] input", run: "edit 18" },
        {
            content: "mark the page: saving the settings reloads the web client",
            trigger: "body",
            run() {
                document.body.dataset.loyaltyBeforeSave = "1";
            },
        },
        { content: "save", trigger: ".o_control_panel .o_form_button_save", run: "click" },
        {
            content: "the settings are saved and the web client reloaded",
            trigger: "body:not([data-loyalty-before-save]) .o_action_manager .o_form_view",
        },
        // Recompute Now: queued, done in the background
        stepUtils.showAppsMenuItem(),
        { content: "open CRM", trigger: '.o_app[data-menu-xmlid="crm.crm_menu_root"]', run: "click" },
        ...openLoyaltyMenu("crm_loyalty_dashboard_menu", "open the dashboard"),
        { content: "recompute now", trigger: ".o_form_view button[name=action_recompute]", run: "click" },
        { content: "the run is queued", trigger: ".o_notification:contains(Customer pyramid queued)" },
        waitForRun(),
        ...openLoyaltyMenu("crm_loyalty_dashboard_menu", "open the dashboard again"),
        {
            content: "the dashboard shows the finished run",
            trigger: ".o_field_widget[name=run_html] .o_loyalty_run:contains(Last computation):contains(Done)",
        },
        // an override with its reason, and its history row
        ...openLoyaltyMenu("crm_loyalty_score_menu", "open the customer scores"),
        ...search("Tour Big Customer"),
        { content: "open the score", trigger: ".o_data_row:contains(Tour Big Customer) .o_data_cell:first", run: "click" },
        { content: "override its level", trigger: ".o_form_view button[name=action_override]", run: "click" },
        ...pickMany2one("level_id", "Top", "Top", ".modal"),
        {
            content: "give the reason",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Strategic account for the tour",
        },
        { content: "apply", trigger: ".modal button[name=action_apply]", run: "click" },
        { content: "the score keeps the override", trigger: ".o_form_view button[name=action_clear_override]" },
        { content: "open the level history", trigger: ".o_form_view button[name=action_open_history]", run: "click" },
        {
            content: "the override is in the history with its reason",
            trigger: ".o_data_row:contains(Tour Big Customer):contains(Strategic account for the tour)",
        },
        // economics and a what-if scenario
        ...openLoyaltyMenu("crm_loyalty_economics_menu", "open the pyramid economics"),
        { content: "open the demo analysis", trigger: ".o_data_row:first .o_data_cell:first", run: "click" },
        { content: "compute", trigger: ".o_form_view button[name=action_compute]", run: "click" },
        {
            content: "the levels' figures",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:contains(Top)",
        },
        { content: "a what-if scenario", trigger: ".o_form_view button[name=action_new_scenario]", run: "click" },
        { content: "name it", trigger: ".modal .o_field_widget[name=name] input", run: "edit Tour: two Big to Top" },
        { content: "add a line", trigger: ".modal .o_field_x2many_list_row_add a", run: "click" },
        ...pickMany2one("from_level_id", "Big", "Big", ".modal .o_data_row"),
        ...pickMany2one("to_level_id", "Top", "Top", ".modal .o_data_row"),
        { content: "two customers", trigger: ".modal .o_data_row .o_field_widget[name=count] input", run: "edit 2" },
        { content: "the revenue after", trigger: ".modal .o_field_widget[name=name] input", run: "click" },
        {
            content: "the scenario shows its result",
            trigger: ".modal .o_field_widget[name=result_html]:not(:empty)",
        },
        { content: "save the scenario", trigger: ".modal .o_form_button_save", run: "click" },
        { content: "the dialog closes", trigger: "body:not(:has(.modal))" },
        {
            content: "the economics count the scenario",
            trigger: ".o_form_view button[name=action_open_scenarios] .o_stat_value",
        },
        // the Excel workbook
        ...expectWorkbookDownload({
            content: "export to Excel",
            trigger: ".o_form_view button[name=action_export_workbook]",
            run: "click",
        }),
        // the migration matrix as a heat map
        ...openLoyaltyMenu("crm_loyalty_migration_menu", "open the migration matrices"),
        { content: "open the demo matrix", trigger: ".o_data_row:first .o_data_cell:first", run: "click" },
        {
            content: "the heat map colours the moves",
            trigger: ".o_field_widget[name=matrix_html] .o_loyalty_heatmap td[style*='rgba']",
        },
    ],
});
