import { registry } from "@web/core/registry";

// A collector logs in on a phone, lands on Today, finds the visit of the day on its card, with the slot and the
// map link, and opens the visit to check in.
registry.category("web_tour.tours").add("cobranza_today_visit", {
    steps: () => [
        {
            content: "The collector lands on Today, the card shows the visit of the day",
            trigger: ".o_cobranza_today .o_kanban_record:contains('Abarrotes La Esperanza') .o_cobranza_today_visit:contains('12:00-12:30')",
        },
        {
            content: "Its address and state",
            trigger: ".o_cobranza_today_visit:contains('Calle Morelos 123'):contains('Planned')",
        },
        {
            content: "The map link is built from the address's coordinates",
            trigger: ".o_cobranza_today_visit a.o_cobranza_visit_maps[href='https://www.google.com/maps/dir/25.669400,-100.309700']",
        },
        {
            content: "Open the visit",
            trigger: ".o_cobranza_today_visit button.o_cobranza_open_visit",
            run: "click",
        },
        {
            content: "The visit opens with its check-in, ready at the door",
            trigger: ".o_form_view:has(.o_field_widget[name='partner_id']:contains('Abarrotes La Esperanza')) .o_cobranza_checkin_button",
        },
    ],
});
