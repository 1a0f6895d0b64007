"""The invoice PDFs of the reminders wait less for scripts that the invoice does not have.

Under the context key ``cobranza_print_delay`` (milliseconds, set by
``account.move._cobranza_render_invoices`` from the system parameter ``cobranza_mx.pdf_print_delay``)
wkhtmltopdf's ``--javascript-delay`` is that value instead of Odoo's ``report.print_delay``. Any
other rendering is unchanged.
"""
from odoo import api, models


class IrActionsReport(models.Model):
    _inherit = 'ir.actions.report'

    @api.model
    def _build_wkhtmltopdf_args(self, paperformat_id, landscape, specific_paperformat_args=None,
                                set_viewport_size=False):
        args = super()._build_wkhtmltopdf_args(paperformat_id, landscape,
                                               specific_paperformat_args=specific_paperformat_args,
                                               set_viewport_size=set_viewport_size)
        delay = self.env.context.get('cobranza_print_delay')
        if delay is not None and '--javascript-delay' in args:
            args[args.index('--javascript-delay') + 1] = str(max(int(delay), 0))
        return args
