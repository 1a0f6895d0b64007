import json
import logging
from http import HTTPStatus

from odoo import http
from odoo.http import request

from ..tools.whatsapp import SIGNATURE_HEADER, read_status_webhook, verify_challenge, verify_signature

_logger = logging.getLogger(__name__)

# Meta's status webhooks are a few kilobytes; anything much larger is not one of them.
MAX_BODY_BYTES = 1024 * 1024


class CobranzaWhatsAppWebhook(http.Controller):
    """WhatsApp Business Cloud API webhook: subscription challenge and message statuses.

    A POST is answered 413 above ``MAX_BODY_BYTES``, 411 without a Content-Length, 403 when no
    company's app secret signs it, 400 when it is not a UTF-8 JSON object, and otherwise 200: the
    statuses of the signing companies' reminders are applied, anything else in it is ignored.
    Each refusal (but the 413, in the access log) and each ignored part is one warning line.
    """

    @http.route('/cobranza/whatsapp/webhook', type='http', auth='public', methods=['GET'], csrf=False)
    def verify(self, **params):
        """Answer Meta's subscription check with the challenge when the verify token matches."""
        tokens = request.env['res.company'].sudo().search(
            [('cobranza_whatsapp_verify_token', '!=', False)]).mapped('cobranza_whatsapp_verify_token')
        for token in tokens:
            challenge = verify_challenge(params, token)
            if challenge is not None:
                return request.make_response(challenge, [('Content-Type', 'text/plain')])
        return request.make_response('Forbidden', status=403)

    @http.route('/cobranza/whatsapp/webhook', type='http', auth='public', methods=['POST'], csrf=False,
                max_content_length=MAX_BODY_BYTES)
    def receive(self, **_params):
        """Record delivery statuses; refuse any payload whose X-Hub-Signature-256 does not match."""
        # Above MAX_BODY_BYTES, Odoo answers 413 before this method runs (the route's max_content_length,
        # checked for every content type); a chunked body has no length to check and would be read whole.
        if request.httprequest.content_length is None:
            return self._refuse(411, "a body without Content-Length")
        body = request.httprequest.get_data()
        signature = request.httprequest.headers.get(SIGNATURE_HEADER, '')
        companies = request.env['res.company'].sudo().search([('cobranza_whatsapp_app_secret', '!=', False)])
        signers = companies.filtered(lambda c: verify_signature(c.cobranza_whatsapp_app_secret, body, signature))
        if not signers:
            return self._refuse(403, "a payload with a bad signature")
        try:
            payload = json.loads(body.decode('utf-8'))
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            return self._refuse(400, "a body that is not UTF-8 JSON")
        if not isinstance(payload, dict):
            return self._refuse(400, "a payload that is not a JSON object")
        webhook = read_status_webhook(payload)
        if webhook.problems:
            _logger.warning("WhatsApp webhook: ignored %d malformed parts of a payload: %s",
                            len(webhook.problems), ', '.join(webhook.problems[:3]))
        request.env['cobranza.reminder'].sudo()._apply_whatsapp_statuses(webhook.events, companies=signers)
        return request.make_response('OK', [('Content-Type', 'text/plain')])

    def _refuse(self, status, what):
        _logger.warning("WhatsApp webhook: refused %s (HTTP %d)", what, status)
        return request.make_response(HTTPStatus(status).phrase, [('Content-Type', 'text/plain')],
                                     status=status)
