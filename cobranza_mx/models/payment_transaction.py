from odoo import models
from odoo.tools import format_amount


class PaymentTransaction(models.Model):
    _inherit = 'payment.transaction'

    def _post_process(self):
        """An invoice of a collection account paid online is a portal action: logged and told to the collector."""
        result = super()._post_process()
        for tx in self.filtered(lambda t: t.state == 'done' and t.payment_id):
            for account in tx.invoice_ids.sudo().cobranza_account_id:
                invoices = tx.invoice_ids.filtered(lambda m, a=account: m.cobranza_account_id == a)
                account._portal_log('paid_online', self.env._(
                    "Paid online: %(amount)s for %(invoices)s (%(reference)s)",
                    amount=format_amount(self.env, tx.amount, tx.currency_id),
                    invoices=', '.join(invoices.mapped('name')), reference=tx.reference))
        return result
