"""The agreement's PDF sent to the debtor through the reminder engine, and shown on the debtor's portal."""
from odoo import models
from odoo.exceptions import UserError

# E-mail with the PDF; else a text message with the link to it on the portal; else the printed letter.
AGREEMENT_CHANNELS = ('email', 'whatsapp', 'sms', 'letter')
# The agreements a debtor sees on the portal.
PORTAL_AGREEMENT_STATES = ('to_approve', 'active', 'completed', 'broken')
SENDABLE_STATES = ('draft', 'to_approve', 'active')


# pylint: disable=consider-merging-classes-inherited
class CobranzaAgreement(models.Model):
    _inherit = 'cobranza.agreement'

    def action_send_to_debtor(self):
        """Queue the agreement's PDF to the debtor (e-mail with the PDF, or SMS/WhatsApp with the link to it on
        the portal, or a letter), inside the debtor's contact window, logged like every reminder."""
        self.ensure_one()
        self.check_access('read')
        if self.state not in SENDABLE_STATES:
            raise UserError(self.env._("%(name)s is closed: there is nothing to send.", name=self.name))
        Reminder = self.env['cobranza.reminder']
        account = self.sudo().account_id
        channel = Reminder._document_channel(account, 'agreement', AGREEMENT_CHANNELS)
        if not channel:
            raise UserError(self.env._(
                "%(debtor)s cannot be reached by e-mail, SMS, WhatsApp or letter: complete its contact details.",
                debtor=self.partner_id.name))
        attachment = self._cobranza_agreement_attachment()
        reminder = Reminder._queue_document(account, channel, attachment, self)
        message = reminder._document_queued_message()
        self.sudo().message_post(body=self.env._("Agreement sent to the debtor. %(queued)s", queued=message),
                                 attachment_ids=attachment.ids)
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'type': 'success', 'message': message}}

    def _cobranza_agreement_pdf(self):
        """The agreement's PDF as it is now, in the debtor's language."""
        self.ensure_one()
        content, _kind = self.env['ir.actions.report'].sudo().with_context(
            lang=self.partner_id.lang or self.env.lang)._render_qweb_pdf(
            'cobranza_mx.action_report_cobranza_agreement', self.ids)
        return content

    def _cobranza_agreement_attachment(self):
        self.ensure_one()
        lang_env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        filename = lang_env._("Agreement %(name)s.pdf", name=self.name).replace('/', '-')
        return self.env['ir.attachment'].sudo().create({
            'name': filename, 'raw': self._cobranza_agreement_pdf(), 'res_model': self._name, 'res_id': self.id,
            'mimetype': 'application/pdf'})

    # ------------------------------------------------------------------
    # As the source of a document reminder
    # ------------------------------------------------------------------
    def _cobranza_document_moves(self):
        self.ensure_one()
        return self.sudo().move_ids

    def _cobranza_document_label(self):
        self.ensure_one()
        return self.env._("Payment agreement %(name)s", name=self.name)

    def _cobranza_document_due(self, _reminder):
        return self.state != 'cancelled'

    def _cobranza_document_sent(self, _reminder):
        return True
