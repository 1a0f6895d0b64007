"""The debtor's documents on the portal: its payment agreements and the files sent to it by the reminders.

Same access as every page of the debtor portal (:mod:`.portal`): the logged-in customer or the link's
token of that account, else 403; a document of another account is not found (404).
"""
from odoo import http
from odoo.exceptions import AccessError, MissingError

from .portal import CobranzaPortal


class CobranzaDocumentPortal(CobranzaPortal):

    @http.route()
    def portal_cobranza_account(self, account_id, token=None, message=None, error=None, **kw):
        response = super().portal_cobranza_account(account_id, token=token, message=message, error=error, **kw)
        account = getattr(response, 'qcontext', {}).get('account')
        if account:
            response.qcontext['documents'] = account._portal_documents(token)
        return response

    @http.route(['/my/cobranza/<int:account_id>/agreement/<int:agreement_id>'], type='http', auth='public',
                website=True)
    def portal_cobranza_agreement(self, account_id, agreement_id, token=None, **_kw):
        try:
            account = self._cobranza_account(account_id, token)
            pdf, filename = account._portal_agreement_pdf(agreement_id)
        except (AccessError, MissingError) as e:
            return self._cobranza_denied(e)
        return self._cobranza_file_response(pdf, filename)

    @http.route(['/my/cobranza/<int:account_id>/document/<int:attachment_id>'], type='http', auth='public',
                website=True)
    def portal_cobranza_document(self, account_id, attachment_id, token=None, **_kw):
        try:
            account = self._cobranza_account(account_id, token)
            attachment = account._portal_document(attachment_id)
        except (AccessError, MissingError) as e:
            return self._cobranza_denied(e)
        return self._cobranza_file_response(attachment.raw, attachment.name,
                                            attachment.mimetype or 'application/octet-stream')
