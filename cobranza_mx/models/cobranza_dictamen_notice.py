"""The written notice to a debtor with business activity that its credits will be deducted."""
import pytz
from odoo import fields, models
from odoo.exceptions import UserError

from ..tools import contact_window as cw


# pylint: disable=consider-merging-classes-inherited
class CobranzaDictamen(models.Model):
    _inherit = 'cobranza.dictamen'

    def action_send_notice(self):
        """Send the notice letter (PDF) to the debtor by e-mail through the chatter, or keep it to print and
        deliver when the debtor has no e-mail, and log it in the contact log."""
        for dictamen in self:
            if dictamen.state == 'written_off':
                raise UserError(self.env._("The notice is sent before the write-off."))
            dictamen._send_notice()

    def _send_notice(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        report = self.env.ref('cobranza_mx.action_report_cobranza_dictamen_notice')
        content, _kind = self.env['ir.actions.report']._render_qweb_pdf(report.report_name, self.ids)
        filename = self.env._("Notice %(name)s.pdf", name=self.name).replace('/', '-')
        attachment = self.env['ir.attachment'].create({
            'name': filename, 'raw': content, 'res_model': self._name, 'res_id': self.id,
            'mimetype': 'application/pdf'})
        body = self.env._(
            "Notice to %(debtor)s: its credits of %(amount)s (%(words)s) will be deducted as uncollectable "
            "(LISR art. 27 fr. XV).", debtor=partner.name,
            amount=f'{self.amount_total:,.2f} {self.currency_id.name}', words=self._amount_in_words())
        by_email = bool(partner.email)
        self.message_post(
            body=body, attachment_ids=attachment.ids, partner_ids=partner.ids if by_email else [],
            subject=self.env._("Notice of deduction of uncollectable credits"),
            message_type='comment', subtype_xmlid='mail.mt_comment' if by_email else 'mail.mt_note')
        now = fields.Datetime.now()
        local = pytz.utc.localize(now).astimezone(pytz.timezone(partner._cobranza_timezone() or cw.DEFAULT_TZ))
        self.env['cobranza.contact.log'].sudo().create({
            'date': now, 'local_time': local.strftime('%Y-%m-%d %H:%M %Z'),
            'company_id': self.company_id.id, 'partner_id': partner.id, 'account_id': self.account_id.id,
            'move_ids': [fields.Command.set(self.line_ids.move_id.ids)],
            'channel': 'email' if by_email else 'letter',
            'recipient': partner.email if by_email else partner.contact_address,
            'template': 'cobranza_mx.report_cobranza_dictamen_notice',
            'body': body, 'result': 'sent',
            'detail': self.env._("Dictamen notice %(name)s", name=self.name),
        })
        self.write({'notice_date': fields.Date.context_today(self)})
        return attachment
