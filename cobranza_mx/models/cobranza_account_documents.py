"""The documents of a debtor on the portal: its payment agreements and the documents sent to it.

Reached like the rest of the debtor's portal (:mod:`.cobranza_account_portal`): ``self`` is the account
the visitor may see (the logged-in customer or a valid token of that account). A document of another
account is no document of this one: ``MissingError`` (404), whatever the token.
"""
from odoo import models
from odoo.exceptions import MissingError

from .cobranza_agreement_document import PORTAL_AGREEMENT_STATES
from .cobranza_reminder_document import SENT_STATES, TRIGGER_DOCUMENT


# The model is split by concept on purpose, like the reminders.
# pylint: disable=consider-merging-classes-inherited
class CobranzaAccount(models.Model):
    _inherit = 'cobranza.account'

    def _portal_agreements(self):
        self.ensure_one()
        return self.env['cobranza.agreement'].sudo().search([
            ('account_id', '=', self.id), ('state', 'in', PORTAL_AGREEMENT_STATES)], order='date desc, id desc')

    def _portal_sent_attachments(self):
        """The files sent to this debtor by the document reminders (other than agreements, listed apart)."""
        self.ensure_one()
        reminders = self.env['cobranza.reminder'].sudo().search([
            ('account_id', '=', self.id), ('rule_id.trigger', '=', TRIGGER_DOCUMENT),
            ('document_attachment_id', '!=', False)])
        return reminders.filtered(lambda r: r.state in SENT_STATES).document_attachment_id

    def _portal_documents(self, token):
        """[{'name', 'url'}] of the documents the portal lists for this debtor (``token``: the link's)."""
        self.ensure_one()
        query = f'?token={token}' if token else ''
        documents = [{'name': agreement._cobranza_document_label(),
                      'url': f'/my/cobranza/{self.id}/agreement/{agreement.id}{query}'}
                     for agreement in self._portal_agreements()]
        documents += [{'name': attachment.name, 'url': f'/my/cobranza/{self.id}/document/{attachment.id}{query}'}
                      for attachment in self._portal_sent_attachments()
                      if attachment.res_model != 'cobranza.agreement']
        return documents

    def _portal_agreement_pdf(self, agreement_id):
        """(PDF, file name) of this debtor's agreement ``agreement_id``, logged as downloaded."""
        self.ensure_one()
        agreement = self._portal_agreements().filtered(lambda a: a.id == agreement_id)
        if not agreement:
            raise MissingError(self.env._("This document does not exist."))
        pdf = agreement._cobranza_agreement_pdf()
        self._log_contact('portal', 'document_downloaded', agreement_id=agreement.id,
                          detail=self.env._("%(document)s downloaded on the portal",
                                            document=agreement._cobranza_document_label()))
        return pdf, f"{agreement.name.replace('/', '-')}.pdf"

    def _portal_document(self, attachment_id):
        """The ``ir.attachment`` ``attachment_id`` if it was sent to this debtor by a document reminder (the one
        listed on its portal), logged as downloaded."""
        self.ensure_one()
        attachment = self._portal_sent_attachments().filtered(lambda a: a.id == attachment_id)
        if not attachment:
            raise MissingError(self.env._("This document does not exist."))
        self._log_contact('portal', 'document_downloaded',
                          detail=self.env._("%(document)s downloaded on the portal", document=attachment.name))
        return attachment
