import { registry } from "@web/core/registry";

const { DateTime } = luxon;

// The smallest valid PNG (1x1 pixel): the debtor's photo of the transfer receipt.
const PNG_BASE64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

function pngFile() {
    const bytes = Uint8Array.from(atob(PNG_BASE64), (c) => c.charCodeAt(0));
    return new File([bytes], "comprobante.png", { type: "image/png" });
}

// A debtor opens the link of a reminder on a phone, sees two invoices, sends a proof, then promises a date.
registry.category("web_tour.tours").add("cobranza_portal_debtor", {
    steps: () => {
        const paid = DateTime.now().minus({ days: 1 }).toISODate();
        const promised = DateTime.now().plus({ days: 7 }).toISODate();
        return [
            {
                content: "Two open invoices are listed",
                trigger: ".o_cobranza_portal:has(.o_cobranza_portal_invoice:eq(1)):not(:has(.o_cobranza_portal_invoice:eq(2)))",
            },
            {
                content: "Open the proof form",
                trigger: ".o_cobranza_proof_panel summary",
                run: "click",
            },
            {
                content: "Attach the photo of the receipt",
                trigger: ".o_cobranza_proof_form input[name='file']",
                run() {
                    const transfer = new DataTransfer();
                    transfer.items.add(pngFile());
                    this.anchor.files = transfer.files;
                    this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
                },
            },
            {
                content: "Amount",
                trigger: ".o_cobranza_proof_form input[name='amount']",
                run: "edit 1000",
            },
            {
                content: "Date",
                trigger: ".o_cobranza_proof_form input[name='payment_date']",
                run() {
                    this.anchor.value = paid;
                    this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
                },
            },
            {
                content: "Tracking key",
                trigger: ".o_cobranza_proof_form input[name='reference']",
                run: "edit SPEI-778899",
            },
            {
                content: "The first invoice is the one paid",
                trigger: ".o_cobranza_proof_form .o_cobranza_moves .form-check:first-child input[name='move_ids']",
                run: "click",
            },
            {
                content: "Send",
                trigger: ".o_cobranza_proof_submit",
                run: "click",
                expectUnloadPage: true,
            },
            {
                content: "The proof was received",
                trigger: ".o_cobranza_portal_message",
            },
            {
                content: "It is listed, in review",
                trigger: ".o_cobranza_portal_proofs li",
            },
            {
                content: "Open the promise form",
                trigger: ".o_cobranza_promise_panel summary",
                run: "click",
            },
            {
                content: "Amount",
                trigger: ".o_cobranza_promise_form input[name='amount']",
                run: "edit 2500",
            },
            {
                content: "Date",
                trigger: ".o_cobranza_promise_form input[name='promise_date']",
                run() {
                    this.anchor.value = promised;
                    this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
                },
            },
            {
                content: "Only the second invoice",
                trigger: ".o_cobranza_promise_form .o_cobranza_moves .form-check:first-child input[name='move_ids']",
                run: "click",
            },
            {
                content: "Promise",
                trigger: ".o_cobranza_promise_submit",
                run: "click",
                expectUnloadPage: true,
            },
            {
                content: "The promise was recorded",
                trigger: ".o_cobranza_portal_message:contains('promise')",
            },
        ];
    },
});
