"""The debtor portal: balance with aging, statement PDF, payment proofs, promises and disputes.

Every route reads the account through ``cobranza.account._cobranza_portal_account``: the logged-in
customer or a valid token of that account, else 403 (or 404 for no such account). Forms are posted
with Odoo's CSRF token and carry the link's token.
"""
from datetime import timedelta
from urllib.parse import urlencode

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import CustomerPortal

# What a debtor may say they paid with (certificates and complements are staff matters).
PORTAL_PROOF_TYPES = ('spei', 'deposit', 'card', 'check', 'other')


class CobranzaPortal(CustomerPortal):

    def _cobranza_account(self, account_id, token):
        account = request.env['cobranza.account']._cobranza_portal_account(account_id, token)
        # The page speaks the debtor's language, whoever opens the link.
        lang = account.partner_id.lang
        if lang and request.env['res.lang']._get_data(code=lang):
            request.update_context(lang=lang)
        return account.with_context(lang=request.env.context.get('lang'))

    def _cobranza_denied(self, error):
        status = 404 if isinstance(error, MissingError) else 403
        return request.render('cobranza_mx.portal_cobranza_denied', {'message': str(error)}, status=status)

    def _cobranza_page_url(self, account, token, **params):
        query = {key: value for key, value in (('token', token), *params.items()) if value}
        return f"/my/cobranza/{account.id}" + (f"?{urlencode(query)}" if query else '')

    @staticmethod
    def _cobranza_files(field_name='file'):
        return [(upload.filename or 'file', upload.read())
                for upload in request.httprequest.files.getlist(field_name) if upload and upload.filename]

    @http.route(['/my/cobranza'], type='http', auth='user', website=True)
    def portal_my_cobranza(self, **_kw):
        """A logged-in debtor's balance: their account in the current company (or the first one)."""
        partner = request.env.user.partner_id.commercial_partner_id
        accounts = request.env['cobranza.account'].sudo().search([('partner_id', '=', partner.id)])
        account = accounts.filtered(lambda a: a.company_id == request.env.company)[:1] or accounts[:1]
        if not account:
            return request.render('cobranza_mx.portal_cobranza_denied', {
                'message': request.env._("You have no balance to pay.")})
        return request.redirect(f"/my/cobranza/{account.id}")

    @http.route(['/my/cobranza/<int:account_id>'], type='http', auth='public', website=True)
    def portal_cobranza_account(self, account_id, token=None, message=None, error=None, **_kw):
        try:
            account = self._cobranza_account(account_id, token)
        except (AccessError, MissingError) as e:
            return self._cobranza_denied(e)
        policy = account._cobranza_policy()
        today = account.env['account.move']._cobranza_today()
        Proof = account.env['cobranza.payment.proof']
        proof_types = Proof._fields['proof_type']._description_selection(Proof.env)
        values = {
            'account': account,
            'token': token or '',
            'rows': account._portal_invoices(),
            'currency': account.currency_id,
            'message': message,
            'error': error,
            'proofs': account.env['cobranza.payment.proof'].sudo().search(
                [('partner_id', '=', account.partner_id.id), ('company_id', '=', account.company_id.id)], limit=10),
            'today': today,
            'promise_max_date': today + timedelta(days=policy.promise_max_days),
            'page_name': 'cobranza',
            'proof_types': [(code, label) for code, label in proof_types if code in PORTAL_PROOF_TYPES],
        }
        return request.render('cobranza_mx.portal_cobranza_account', values)

    @http.route(['/my/cobranza/<int:account_id>/statement'], type='http', auth='public', website=True)
    def portal_cobranza_statement(self, account_id, token=None, **_kw):
        try:
            account = self._cobranza_account(account_id, token)
        except (AccessError, MissingError) as e:
            return self._cobranza_denied(e)
        return self._cobranza_file_response(account._portal_statement_pdf(), f"estado_de_cuenta_{account.id}.pdf")

    @staticmethod
    def _cobranza_file_response(content, filename, mimetype='application/pdf'):
        """The download of ``content`` as ``filename``."""
        return request.make_response(content, headers=[
            ('Content-Type', mimetype), ('Content-Length', len(content)),
            ('Content-Disposition', content_disposition(filename))])

    def _cobranza_post(self, account_id, token, action, success):
        try:
            account = self._cobranza_account(account_id, token)
        except (AccessError, MissingError) as e:
            return self._cobranza_denied(e)
        try:
            action(account)
        except (UserError, ValidationError) as e:
            request.env.cr.rollback()
            return request.redirect(self._cobranza_page_url(account, token, error=str(e)))
        return request.redirect(self._cobranza_page_url(account, token, message=success))

    @http.route(['/my/cobranza/<int:account_id>/proof'], type='http', auth='public', methods=['POST'],
                website=True)
    def portal_cobranza_proof(self, account_id, token=None, amount=None, payment_date=None, reference=None,
                              proof_type=None, **_kw):
        files = self._cobranza_files()
        move_ids = request.httprequest.form.getlist('move_ids')
        return self._cobranza_post(
            account_id, token,
            lambda account: account._portal_upload_proof(files, amount, payment_date, reference, move_ids,
                                                         proof_type or 'spei'),
            request.env._("Thank you: we received your payment proof and will review it."))

    @http.route(['/my/cobranza/<int:account_id>/promise'], type='http', auth='public', methods=['POST'],
                website=True)
    def portal_cobranza_promise(self, account_id, token=None, amount=None, promise_date=None, **_kw):
        move_ids = request.httprequest.form.getlist('move_ids')
        return self._cobranza_post(
            account_id, token, lambda account: account._portal_promise(amount, promise_date, move_ids),
            request.env._("Thank you: your promise to pay was recorded."))

    @http.route(['/my/cobranza/<int:account_id>/dispute'], type='http', auth='public', methods=['POST'],
                website=True)
    def portal_cobranza_dispute(self, account_id, token=None, move_id=None, reason=None, **_kw):
        files = self._cobranza_files()
        return self._cobranza_post(
            account_id, token, lambda account: account._portal_dispute(move_id, reason, files),
            request.env._("Your dispute was recorded: reminders of that invoice are paused while we review it."))
