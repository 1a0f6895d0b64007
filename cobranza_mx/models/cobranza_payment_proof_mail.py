"""Payment proofs received by e-mail: the debtor writes to the proofs alias (``comprobantes@``).

Odoo's mail gateway (an incoming mail server, or the mail aliases of a hosted domain) hands the
message to :meth:`message_new`. The alias accepts known contacts only (Odoo bounces the others).
The sender is the debtor (their contact or one of their company's contacts, with a collection account
in the alias's company); the attachments are the files, checked by content like every proof; the
amount and date come from a Banxico CEP when one is attached, else the amount from the subject
("Pago $12,345.67") and the date from the message. The proof goes to review, the contact log gets a
row and the collector an activity. A message without a usable file or amount creates nothing and
raises a translated error: the gateway keeps the message (nothing is lost) and logs the reason.
"""
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import email_normalize, format_amount

from ..tools import payment_proof as pp


# The model is split by concept on purpose, like the reminders.
# pylint: disable=consider-merging-classes-inherited
class CobranzaPaymentProof(models.Model):
    _inherit = 'cobranza.payment.proof'

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        company = self.env['res.company'].browse((custom_values or {}).get('company_id')) or self.env.company
        account = self._mail_account(msg_dict, company)
        files = [(attachment[0], attachment[1] if isinstance(attachment[1], bytes) else attachment[1].encode())
                 for attachment in msg_dict.get('attachments') or []]
        if not files:
            raise ValidationError(self.env._("The e-mail of %(sender)s carries no file: there is no proof to keep.",
                                             sender=msg_dict.get('email_from') or ''))
        cep = next((pp.parse_cep(data) for _name, data in files if pp.is_cep(data)), None)
        amount = float(cep.amount) if cep else pp.amount_in_text(msg_dict.get('subject'))
        if not amount:
            raise ValidationError(self.env._(
                "The e-mail of %(sender)s does not say the amount paid: write it in the subject "
                "(e.g. \"Pago $12,345.67\") or attach the CEP.", sender=msg_dict.get('email_from') or ''))
        received = fields.Datetime.to_datetime(msg_dict.get('date')) or fields.Datetime.now()
        proof = self.sudo().with_company(company)._create_from_files({
            'partner_id': account.partner_id.id, 'company_id': company.id, 'source': 'email',
            'amount': float(amount), 'payment_date': cep.date if cep else received.date(),
            'note': msg_dict.get('subject') or False,
        }, files)
        proof.action_submit_review()
        detail = self.env._("Payment proof %(proof)s of %(amount)s received by e-mail from %(sender)s",
                            proof=proof.name, amount=format_amount(self.env, proof.amount, proof.currency_id),
                            sender=msg_dict.get('email_from') or '')
        account.sudo()._log_contact('email', 'proof_received', detail=detail,
                                    recipient=msg_dict.get('email_from') or False)
        user = account.collector_id or account._cobranza_policy()._cobranza_supervisor(company)
        if user:
            proof.activity_schedule('mail.mail_activity_data_todo', date_deadline=fields.Date.context_today(self),
                                    summary=self.env._("Review the payment proof received by e-mail"),
                                    user_id=user.id)
        return proof

    @api.model
    def _mail_account(self, msg_dict, company):
        """The collection account in ``company`` of the sender of ``msg_dict``, else a ValidationError."""
        Partner = self.env['res.partner'].sudo()
        author = Partner.browse(msg_dict.get('author_id')).exists()
        email = email_normalize(msg_dict.get('email_from') or '')
        if not author and email:
            author = Partner.search([('email_normalized', '=', email)], limit=1)
        account = self.env['cobranza.account'].sudo().search([
            ('partner_id', '=', author.commercial_partner_id.id), ('company_id', '=', company.id)], limit=1) \
            if author else None
        if not account:
            raise ValidationError(self.env._(
                "%(sender)s is not a debtor of %(company)s: the payment proof was not kept.",
                sender=msg_dict.get('email_from') or '', company=company.name))
        return account
