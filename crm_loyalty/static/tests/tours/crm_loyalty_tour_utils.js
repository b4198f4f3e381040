/** @odoo-module */
// Steps shared by the tours of crm_loyalty.
import { browser } from "@web/core/browser/browser";
import { rpc } from "@web/core/network/rpc";

// the menus under CRM > Loyalty Analysis (the others are under CRM > Customer Loyalty)
const ANALYSIS_MENUS = new Set([
    "crm_loyalty_clv_menu",
    "crm_loyalty_backtest_menu",
    "crm_loyalty_financial_menu",
    "crm_loyalty_wallet_menu",
    "crm_loyalty_credit_menu",
    "crm_loyalty_segment_menu",
    "crm_loyalty_sales_menu",
    "crm_loyalty_kpi_menu",
    "crm_loyalty_kpi_salesperson_menu",
    "crm_loyalty_kpi_level_menu",
    "crm_loyalty_migration_menu",
    "crm_loyalty_economics_menu",
    "crm_loyalty_scenario_menu",
]);

/** Open a menu of CRM > Customer Loyalty or CRM > Loyalty Analysis (the CRM app being open). */
export function openLoyaltyMenu(menuXmlid, content) {
    const root = ANALYSIS_MENUS.has(menuXmlid) ? "crm_loyalty_analysis_menu" : "crm_loyalty_menu";
    return [
        {
            content: `open the ${root} menu`,
            trigger: `.o_main_navbar .dropdown-toggle[data-menu-xmlid="crm_loyalty.${root}"]`,
            run: "click",
        },
        {
            content: content || `open ${menuXmlid}`,
            trigger: `.o-dropdown--menu .dropdown-item[data-menu-xmlid="crm_loyalty.${menuXmlid}"]`,
            run: "click",
        },
    ];
}

/** Open menu ``child`` of the top menu ``parent`` of the current app. */
export function openMenu(parent, child, content) {
    return [
        { content: `open ${parent}`, trigger: `.o_main_navbar .dropdown-toggle[data-menu-xmlid="${parent}"]`, run: "click" },
        { content: content || `open ${child}`, trigger: `.o-dropdown--menu .dropdown-item[data-menu-xmlid="${child}"]`, run: "click" },
    ];
}

/** Pick ``name`` in the many2one field ``field`` (inside ``scope``, e.g. ".modal"). */
export function pickMany2one(field, search, name, scope = "") {
    return [
        { content: `type ${search} in ${field}`, trigger: `${scope} .o_field_widget[name=${field}] input`, run: `edit ${search}` },
        { content: `pick ${name}`, trigger: `.o-autocomplete--dropdown-item > a:contains(${name})`, run: "click" },
    ];
}

/** Search ``text`` in the search bar of the current view, which then shows a single record. */
export function search(text) {
    return [
        { content: `search ${text}`, trigger: ".o_searchview_input", run: `edit ${text}` },
        { content: "validate the search", trigger: ".o_searchview_input", run: "press Enter" },
        { content: "the search is applied", trigger: `.o_searchview_facet:contains(${text})` },
        {
            content: "a single record left",
            trigger:
                ".o_action_manager:not(:has(.o_data_row ~ .o_data_row, " +
                ".o_kanban_record:not(.o_kanban_ghost) ~ .o_kanban_record:not(.o_kanban_ghost)))",
        },
    ];
}

/** Wait, by polling the server, until the user's last pyramid run of the current company is done. */
export function waitForRun(timeoutMs = 60000) {
    return {
        content: "the background run ends (the scheduler works meanwhile)",
        trigger: "body",
        async run() {
            const deadline = Date.now() + timeoutMs;
            while (Date.now() < deadline) {
                const [run] = await rpc("/web/dataset/call_kw/crm.loyalty.run/search_read", {
                    model: "crm.loyalty.run",
                    method: "search_read",
                    args: [[["mode", "=", "background"]], ["state", "error"]],
                    kwargs: { order: "id desc", limit: 1 },
                });
                if (run && run.state === "done") {
                    return;
                }
                if (run && run.state === "failed") {
                    throw new Error(`the background run failed: ${run.error}`);
                }
                await new Promise((resolve) => setTimeout(resolve, 250));
            }
            throw new Error("the background run did not end in time");
        },
    };
}

/**
 * Catch the next file download of the web client (an ir.actions.act_url to /web/content/...?download=true),
 * then fetch it with the user's session and check that it is an Excel workbook (a zip: "PK").
 */
export function expectWorkbookDownload(clickStep) {
    let original;
    let url;
    return [
        {
            content: "catch the download",
            trigger: "body",
            run() {
                url = undefined;
                // the web client downloads with browser.location.assign(url): keep the url instead
                const location = window.location;
                const fake = Object.create(null);
                for (const key of ["href", "origin", "protocol", "host", "hostname", "port", "pathname", "search", "hash"]) {
                    Object.defineProperty(fake, key, { get: () => location[key] });
                }
                Object.assign(fake, {
                    assign(value) {
                        url = value;
                    },
                    replace: (value) => location.replace(value),
                    reload: () => location.reload(),
                    toString: () => location.toString(),
                });
                original = Object.getOwnPropertyDescriptor(browser, "location");
                Object.defineProperty(browser, "location", { get: () => fake, configurable: true });
            },
        },
        clickStep,
        {
            content: "the workbook is downloaded",
            trigger: "body",
            async run() {
                const deadline = Date.now() + 60000;
                while (!url && Date.now() < deadline) {
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                Object.defineProperty(browser, "location", original);
                if (!url || !url.includes("/web/content/") || !url.includes("download=true")) {
                    throw new Error(`no workbook download (url: ${url})`);
                }
                const response = await fetch(url);
                const disposition = response.headers.get("Content-Disposition") || "";
                const bytes = new Uint8Array(await response.arrayBuffer());
                if (!response.ok || bytes[0] !== 0x50 || bytes[1] !== 0x4b || !disposition.includes(".xlsx")) {
                    throw new Error(`the download is not an Excel workbook (${response.status}, ${disposition})`);
                }
                document.body.dataset.loyaltyWorkbookBytes = String(bytes.length);
            },
        },
    ];
}
