"""The written notice to a debtor with business activity that its credits will be deducted.

The notice letter (PDF) goes through the reminder engine (:mod:`.cobranza_reminder_document`): by
e-mail with the PDF attached, or, when the debtor has no e-mail, as a printed letter to mail; inside
the debtor's contact window and with its contact log row. The debtor's signed acknowledgment is
attached to the dictamen as its *notice* document, as before.
"""
from odoo import fields, models
from odoo.exceptions import UserError

# Writing is what the law asks for (LISR art. 27 fr. XV): an e-mail or a letter, not a text message.
NOTICE_CHANNELS = ('email', 'letter')


# pylint: disable=consider-merging-classes-inherited
class CobranzaDictamen(models.Model):
    _inherit = 'cobranza.dictamen'

    def action_send_notice(self):
        """Queue the notice letter (PDF) to the debtor through the reminder engine: by e-mail with the PDF, or
        as a letter to print and mail when the debtor has no e-mail; sent inside the contact window and logged."""
        messages = []
        for dictamen in self:
            if dictamen.state == 'written_off':
                raise UserError(self.env._("The notice is sent before the write-off."))
            dictamen._send_notice()
            messages.append(dictamen._notice_reminder()._document_queued_message())
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'type': 'success', 'message': ' '.join(messages)}}

    def _send_notice(self):
        """Render the notice, queue it to the debtor and return its attachment."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        account = self.account_id or self.env['cobranza.account'].sudo().browse(
            self.env['cobranza.account']._ensure_accounts(self.company_id, partner.ids)[partner.id])
        Reminder = self.env['cobranza.reminder']
        channel = Reminder._document_channel(account, 'dictamen_notice', NOTICE_CHANNELS)
        if not channel:
            raise UserError(self.env._(
                "%(debtor)s can receive the notice neither by e-mail nor by letter: give it an e-mail or a postal "
                "address (or allow these channels in the notice rule of its policy).", debtor=partner.name))
        report = self.env.ref('cobranza_mx.action_report_cobranza_dictamen_notice')
        content, _kind = self.env['ir.actions.report'].with_context(
            lang=partner.lang or self.env.lang)._render_qweb_pdf(report.report_name, self.ids)
        filename = self.with_context(lang=partner.lang or self.env.lang).env._(
            "Notice %(name)s.pdf", name=self.name).replace('/', '-')
        attachment = self.env['ir.attachment'].sudo().create({
            'name': filename, 'raw': content, 'res_model': self._name, 'res_id': self.id,
            'mimetype': 'application/pdf'})
        reminder = Reminder._queue_document(account, channel, attachment, self)
        self.message_post(
            body=self.env._("Notice of deduction to %(debtor)s: %(queued)s", debtor=partner.name,
                            queued=reminder._document_queued_message()),
            attachment_ids=attachment.ids, subtype_xmlid='mail.mt_note')
        return attachment

    def _notice_reminder(self):
        """The last notice reminder of this dictamen."""
        self.ensure_one()
        return self.env['cobranza.reminder'].sudo().search(
            [('document_ref', '=', f'{self._name},{self.id}')], order='id desc', limit=1)

    # ------------------------------------------------------------------
    # As the source of a document reminder
    # ------------------------------------------------------------------
    def _cobranza_document_moves(self):
        self.ensure_one()
        return self.sudo().line_ids.move_id or self.sudo().move_ids

    def _cobranza_document_label(self):
        self.ensure_one()
        return self.env._("Notice of deduction of uncollectable credits %(name)s", name=self.name)

    def _cobranza_document_due(self, _reminder):
        return True

    def _cobranza_document_sent(self, reminder):
        """The notice reached the debtor: the date the dictamen and the SAT list show."""
        self.ensure_one()
        self.sudo().notice_date = fields.Date.context_today(self, reminder.sent_at)
