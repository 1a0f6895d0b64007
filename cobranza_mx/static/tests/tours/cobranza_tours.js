import { registry } from "@web/core/registry";

// A collector opens "My Collections" on a phone, finds their customer and its open invoices.
registry.category("web_tour.tours").add("cobranza_collector_worklist", {
    url: "/odoo/my-collections",
    steps: () => [
        {
            content: "The worklist is a kanban grouped by collection stage",
            trigger: ".o_kanban_view .o_kanban_group",
        },
        {
            content: "No 'None' column (without cards, only 'Load more') of the accounts not yet in a stage",
            trigger: ".o_kanban_view:has(.o_kanban_group):not(:has(.o_column_title:contains('None')))",
        },
        {
            content: "Open the stage tab of the assigned customer",
            trigger: ".o_kanban_group:has(.o_kanban_record:contains('Abarrotes La Esperanza')) .o_column_title",
            run: "click",
        },
        {
            content: "Only the collector's own customer is listed",
            trigger: ".o_kanban_view:not(:has(.o_kanban_record:contains('María Fernanda')))",
        },
        {
            content: "Open the customer's collection account",
            trigger: ".o_kanban_record:contains('Abarrotes La Esperanza')",
            run: "click",
        },
        {
            content: "The account shows its stage and the open invoice",
            trigger: ".o_form_view .o_field_widget[name='invoice_ids'] .o_data_row",
        },
        {
            content: "A collector cannot assign collectors",
            trigger: ".o_form_view:not(:has(button:contains('Assign Collector')))",
        },
    ],
});

// A supervisor selects an account in the list and assigns it to a collector.
registry.category("web_tour.tours").add("cobranza_supervisor_assign", {
    url: "/odoo/collection-accounts",
    steps: () => [
        {
            content: "Select the account of María Fernanda",
            trigger: ".o_data_row:contains('María Fernanda') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the assignment wizard",
            trigger: ".o_control_panel button:contains('Assign Collector')",
            run: "click",
        },
        {
            content: "Choose the collector",
            trigger: ".modal .o_field_widget[name='collector_id'] input",
            run: "edit collector_2",
        },
        {
            content: "Pick collector_2 in the dropdown",
            trigger: ".o-autocomplete--dropdown-menu li a:contains('collector_2')",
            run: "click",
        },
        {
            content: "Assign",
            trigger: ".modal button[name='action_assign']",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
