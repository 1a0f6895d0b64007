"""The SMS queue checks the debtor's contact window when a collection reminder actually leaves."""
from odoo import fields, models


class SmsSms(models.Model):
    _inherit = 'sms.sms'

    # sms.sms has no scheduled date of its own: the queue sends an outgoing SMS at its next run.
    cobranza_scheduled_date = fields.Datetime(
        string="Not Before", readonly=True, copy=False,
        help="A collection reminder is not handed to the SMS provider before this moment: the next "
             "opening of the debtor's contact window.")

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """Hold back the reminder SMS whose moment has not come or whose debtor's window is closed now."""
        now = fields.Datetime.now()
        held = self.filtered(lambda sms: sms.cobranza_scheduled_date and sms.cobranza_scheduled_date > now)
        reminders = self.env['cobranza.reminder'].sudo().search([('sms_id', 'in', (self - held).ids)])
        for sms, sms_reminders in reminders.grouped('sms_id').items():
            opening = sms_reminders[0]._window_reopens_at(now)
            if opening:
                sms.sudo().cobranza_scheduled_date = opening
                held |= sms
        to_send = self - held
        if not to_send:
            return None
        return super(SmsSms, to_send)._send(
            unlink_failed=unlink_failed, unlink_sent=unlink_sent, raise_exception=raise_exception)
