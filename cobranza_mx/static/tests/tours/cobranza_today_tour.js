import { registry } from "@web/core/registry";

const { DateTime } = luxon;

// A collector opens Today on a phone, calls the first debtor, logs a promise to pay and works the next card.
registry.category("web_tour.tours").add("cobranza_collector_today", {
    url: "/odoo/collections-today",
    steps: () => {
        const promised = DateTime.now().plus({ days: 3 }).toFormat("MM/dd/yyyy");
        return [
            {
                content: "Today lists the most urgent account first",
                trigger: ".o_kanban_view .o_kanban_record:first-child:contains('Transportes del Bajío')",
            },
            {
                content: "Another collector's debtor is not there",
                trigger: ".o_kanban_view:not(:has(.o_kanban_record:contains('María Fernanda')))",
            },
            {
                content: "Tap to call",
                trigger: ".o_kanban_record:first-child button.o_cobranza_call",
                run: "click",
            },
            {
                content: "Log the contact",
                trigger: ".o_kanban_record:first-child button.o_cobranza_log",
                run: "click",
            },
            {
                content: "The debtor promises to pay",
                trigger: ".modal .o_field_widget[name='result'] .o_selection_badge:contains('Promise to pay')",
                run: "click",
            },
            {
                content: "Amount",
                trigger: ".modal .o_field_widget[name='promise_amount'] input",
                run: "edit 4000",
            },
            {
                content: "Date",
                trigger: ".modal .o_field_widget[name='promise_date'] input",
                run: `edit ${promised}`,
            },
            {
                content: "Note",
                trigger: ".modal .o_field_widget[name='note'] textarea",
                run: "edit Paga con transferencia",
            },
            {
                content: "Save",
                trigger: ".modal button[name='action_log']",
                run: "click",
            },
            {
                content: "The worked account leaves the list: the next card is first",
                trigger: "body:not(:has(.modal)) .o_kanban_record:first-child:contains('Abarrotes La Esperanza')",
            },
            {
                content: "Log the next contact",
                trigger: ".o_kanban_record:first-child button.o_cobranza_log",
                run: "click",
            },
            {
                content: "A promise here too",
                trigger: ".modal .o_field_widget[name='result'] .o_selection_badge:contains('Promise to pay')",
                run: "click",
            },
            {
                content: "Date",
                trigger: ".modal .o_field_widget[name='promise_date'] input",
                run: `edit ${promised}`,
            },
            {
                content: "Save",
                trigger: ".modal button[name='action_log']",
                run: "click",
            },
            {
                content: "Nothing left to work today",
                trigger: "body:not(:has(.modal)) .o_view_nocontent",
            },
        ];
    },
});
