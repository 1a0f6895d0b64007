"""The SMS queue checks the debtor's contact window when a collection reminder actually leaves."""
from odoo import fields, models


class SmsSms(models.Model):
    _inherit = 'sms.sms'

    # sms.sms has no scheduled date of its own: the queue sends an outgoing SMS at its next run.
    cobranza_scheduled_date = fields.Datetime(
        string="Not Before", readonly=True, copy=False,
        help="A collection reminder is not handed to the SMS provider before this moment: the next "
             "opening of the debtor's contact window.")

    def _process_queue(self):
        """Odoo's SMS queue, less the reminder SMS held for later.

        Held SMS stay outgoing: left in the queue's search, a batch full of them would be picked again
        and again while the SMS behind them wait, and the cron would spin until its time is up.
        """
        now = fields.Datetime.now()
        domain = [('state', '=', 'outgoing'), ('to_delete', '!=', True),
                  '|', ('cobranza_scheduled_date', '=', False), ('cobranza_scheduled_date', '<=', now)]
        batch_size = self._get_send_batch_size()
        records = self.search(domain, limit=batch_size, order='id').try_lock_for_update()
        if not records:
            return
        records._send(unlink_failed=False, unlink_sent=True, raise_exception=False)
        self.env['ir.cron']._commit_progress(
            len(records), remaining=self.search_count(domain) if len(records) == batch_size else 0)

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """Hold back the reminder SMS whose moment has not come or whose debtor's window is closed now."""
        now = fields.Datetime.now()
        held = self.filtered(lambda sms: sms.cobranza_scheduled_date and sms.cobranza_scheduled_date > now)
        held |= self.env['cobranza.reminder']._hold_closed_windows(
            self - held, 'sms_id', 'cobranza_scheduled_date', now)
        to_send = self - held
        if not to_send:
            return None
        return super(SmsSms, to_send)._send(
            unlink_failed=unlink_failed, unlink_sent=unlink_sent, raise_exception=raise_exception)
