"""The mail queue checks the debtor's contact window when a collection reminder actually leaves."""
from odoo import fields, models


class MailMail(models.Model):
    _inherit = 'mail.mail'

    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        """Hold back the reminder e-mails whose debtor's contact window is closed now.

        They stay outgoing, scheduled at the next opening of the window, and the queue sends them
        then. Every other e-mail goes as Odoo sends it.
        """
        held = self.env['cobranza.reminder']._hold_closed_windows(
            self, 'mail_id', 'scheduled_date', fields.Datetime.now())
        return super(MailMail, self - held).send(
            auto_commit=auto_commit, raise_exception=raise_exception, post_send_callback=post_send_callback)
