"""The channels of collection reminders: e-mail, SMS, printed letter and WhatsApp.

Each ``_send_<channel>`` is called on the group's leader with the whole group, once the checks of
:mod:`.cobranza_reminder_send` passed, and finishes the group (sent, skipped, failed or retried).
E-mails and SMS are queued with a date inside the contact window; their queues check the window
again when the message actually leaves (``mail.mail`` and ``sms.sms``). WhatsApp returns the call
to the provider, made once the "sending" state is committed.
"""
from datetime import timedelta

from odoo import fields, models

from ..tools.whatsapp import (
    PermanentProviderError,
    TransientProviderError,
    UnknownOutcomeError,
    WhatsAppClient,
    backoff_seconds,
)
from .cobranza_reminder import UNCONFIRMED_STATE

MAX_ATTEMPTS = 5


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaReminder(models.Model):
    _inherit = 'cobranza.reminder'

    # The channel senders share one signature, (group, recipient, text, now, values), called by
    # _process_group; an argument a sender does not use is named with a leading underscore.
    def _send_email(self, group, recipient, _text, now, _values=None):
        template = self.rule_id.mail_template_id or self.env.ref('cobranza_mx.mail_template_reminder')
        # Checked inside the window now; mail.mail.send checks it again when the queue sends it.
        mail = self.env['mail.mail'].sudo().browse(template.send_mail(self.id, force_send=False, email_values={
            'email_to': recipient, 'recipient_ids': [], 'scheduled_date': now}))
        # The template is rendered once; what it rendered is checked before anything goes out.
        if group._refuse_forbidden(mail.subject or '', mail.body_html or ''):
            mail.unlink()
            return
        report = self.env.ref('account.account_invoices')
        attachments = self.env['ir.attachment']
        for move in group.move_id:
            content, _type = self.env['ir.actions.report']._render_qweb_pdf(report, move.ids)
            attachments |= self.env['ir.attachment'].create({
                'name': f"{move.name.replace('/', '_')}.pdf",
                'raw': content,
                'res_model': 'account.move',
                'res_id': move.id,
                'mimetype': 'application/pdf',
            })
        mail.attachment_ids = attachments
        group.mail_id = mail
        group._finish('sent', log_result='queued', text=str(mail.body_html or ''))

    def _send_sms(self, group, recipient, text, now, _values=None):
        sms = self.env['sms.sms'].sudo().create({
            'number': recipient, 'body': text, 'partner_id': self.partner_id.id, 'state': 'outgoing',
            'cobranza_scheduled_date': now})
        group.sms_id = sms
        group._finish('sent', log_result='queued', text=text)

    def _send_letter(self, group, _recipient, _text, _now, _values=None):
        report = self.env.ref('cobranza_mx.action_report_reminder_letter')
        content, _type = self.env['ir.actions.report'].with_context(
            lang=self.partner_id.lang or 'es_MX')._render_qweb_pdf(report, self.ids)
        attachment = self.env['ir.attachment'].create({
            'name': self.env._("Reminder letter %(partner)s.pdf", partner=self.partner_id.name),
            'raw': content,
            'res_model': 'cobranza.reminder',
            'res_id': self.id,
            'mimetype': 'application/pdf',
        })
        group.letter_attachment_id = attachment
        group._finish('sent', log_result='queued', text=self.env._("Printed reminder letter, ready to mail."))

    def _send_whatsapp(self, group, recipient, text, now, values=None):
        """Mark the group "sending" and return the call to the provider (None when it cannot go)."""
        company = self.company_id
        if not (company.cobranza_whatsapp_token and company.cobranza_whatsapp_phone_number_id):
            group._finish('skipped', reason=self.env._("WhatsApp is not configured for %(company)s.",
                                                       company=company.name))
            return None
        if not self.rule_id.whatsapp_template:
            group._finish('failed', reason=self.env._("The rule %(rule)s has no WhatsApp template.",
                                                      rule=self.rule_id.name))
            return None
        # Record the attempt before calling the provider: a killed process leaves "sending",
        # which the provider's status webhook confirms or _recover_interrupted makes "unconfirmed".
        group.write({'state': 'sending', 'attempt_count': self.attempt_count + 1, 'sending_since': now})
        values = values or self._placeholders()
        params = [values[name] or '-' for name in self._whatsapp_param_names()]  # the API refuses ''
        return lambda: self._call_whatsapp(group, recipient, text, now, params)

    def _call_whatsapp(self, group, recipient, text, now, params):
        company = self.company_id
        client = WhatsAppClient(company.cobranza_whatsapp_api_url, company.cobranza_whatsapp_token,
                                company.cobranza_whatsapp_phone_number_id,
                                api_version=company.cobranza_whatsapp_api_version or 'v21.0',
                                timeout=company.cobranza_whatsapp_timeout or 10)
        try:
            message_id = client.send_template(
                recipient.lstrip('+'), self.rule_id.whatsapp_template, self.rule_id.whatsapp_language or 'es_MX',
                params, callback_data=f'cobranza.reminder:{self.id}')
        except TransientProviderError as e:
            attempts = self.attempt_count
            if attempts >= MAX_ATTEMPTS:
                group._finish('failed', reason=self.env._(
                    "Provider unavailable after %(count)s attempts: %(error)s", count=attempts, error=e))
                return
            retry_at = now + timedelta(seconds=backoff_seconds(attempts, getattr(e, 'retry_after', None)))
            group.write({'state': 'scheduled', 'scheduled_at': retry_at, 'reason': str(e)})
            self._log('retry', detail=self.env._("%(error)s Next attempt at %(when)s UTC.", error=e,
                                                 when=fields.Datetime.to_string(retry_at)),
                      text=text, reminders=group)
            return
        except UnknownOutcomeError as e:
            # The provider may have it: a retry could send it twice. Its status webhook settles it.
            group._finish(UNCONFIRMED_STATE, reason=self.env._(
                "Outcome unknown, not sent again automatically: %(error)s", error=e), text=text)
            return
        except PermanentProviderError as e:
            group._finish('failed', reason=self.env._("Rejected by the provider: %(error)s", error=e), text=text)
            return
        group._finish('sent', provider_message_id=message_id, text=text)
