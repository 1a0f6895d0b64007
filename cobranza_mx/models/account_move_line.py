from odoo import models


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    def _reconcile_post_hook(self, data):
        """A payment or a credit note that closes an invoice stops its pending reminders at once."""
        res = super()._reconcile_post_hook(data)
        data['not_paid_invoices']._cobranza_reminders_stop('paid')
        return res
