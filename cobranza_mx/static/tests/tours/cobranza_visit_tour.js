import { registry } from "@web/core/registry";

const { DateTime } = luxon;

// A red 4x3 PNG: the "photo of the address" taken by the stubbed camera.
const PHOTO_BASE64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAEklEQVR4nGP4z8CAQEQwwAwAwdQR8z3ssBwAAAAASUVORK5CYII=";

// A collector on a phone opens their visits, checks in with the position of the phone and a photo,
// then records a promise to pay.
registry.category("web_tour.tours").add("cobranza_visit_checkin", {
    url: "/odoo/my-visits",
    steps: () => [
        {
            content: "Open today's visit to Abarrotes La Esperanza",
            trigger: ".o_data_row:contains('Abarrotes La Esperanza') td[name='partner_id'], .o_kanban_record:contains('Abarrotes La Esperanza')",
            run: "click",
        },
        {
            content: "The check-in panel is shown; the phone's position and camera are simulated",
            trigger: ".o_form_view .o_cobranza_checkin_button",
            run() {
                Object.defineProperty(navigator, "geolocation", {
                    configurable: true,
                    value: {
                        getCurrentPosition(success) {
                            success({ coords: { latitude: 25.6704, longitude: -100.3097, accuracy: 15 } });
                        },
                    },
                });
                const bytes = Uint8Array.from(atob(PHOTO_BASE64), (c) => c.charCodeAt(0));
                const file = new File([bytes], "fachada.png", { type: "image/png" });
                const transfer = new DataTransfer();
                transfer.items.add(file);
                const input = document.querySelector(".o_cobranza_photo_input");
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "The photo is ready",
            trigger: ".o_cobranza_photo_label:contains('Photo ready')",
        },
        {
            content: "Check in",
            trigger: ".o_cobranza_checkin_button",
            run: "click",
        },
        {
            content: "Checked in: the panel is gone and the result can be entered",
            trigger: ".o_form_view:not(:has(.o_cobranza_checkin_button)) .o_field_widget[name='checkin_distance']",
        },
        {
            content: "The debtor promises to pay",
            trigger: ".o_field_widget[name='result'] input[data-value='promise']",
            run: "click",
        },
        {
            content: "Amount promised",
            trigger: ".o_field_widget[name='promise_amount'] input",
            run: "edit 350",
        },
        {
            content: "Date promised: in a week",
            trigger: ".o_field_widget[name='promise_date'] input",
            run: `edit ${DateTime.now().plus({ days: 7 }).toFormat("MM/dd/yyyy")}`,
        },
        {
            content: "Close the date picker",
            trigger: ".o_field_widget[name='note'] textarea",
            run: "edit Paga la próxima semana",
        },
        {
            content: "Record the result",
            trigger: "button[name='action_record_result']",
            run: "click",
        },
        {
            content: "The visit is done",
            trigger: ".o_form_view:not(:has(button[name='action_record_result'])) .o_field_widget[name='done_date']",
        },
    ],
});
