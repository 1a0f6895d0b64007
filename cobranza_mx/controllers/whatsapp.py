import json
import logging

from odoo import http
from odoo.http import request

from ..tools.whatsapp import parse_status_webhook, verify_challenge, verify_signature

_logger = logging.getLogger(__name__)


class CobranzaWhatsAppWebhook(http.Controller):
    """WhatsApp Business Cloud API webhook: subscription challenge and message statuses."""

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

    @http.route('/cobranza/whatsapp/webhook', type='http', auth='public', methods=['POST'], csrf=False)
    def receive(self, **_params):
        """Record delivery statuses; refuse any payload whose X-Hub-Signature-256 does not match."""
        body = request.httprequest.get_data()
        signature = request.httprequest.headers.get('X-Hub-Signature-256', '')
        secrets = request.env['res.company'].sudo().search(
            [('cobranza_whatsapp_app_secret', '!=', False)]).mapped('cobranza_whatsapp_app_secret')
        if not any(verify_signature(secret, body, signature) for secret in secrets):
            _logger.warning("WhatsApp webhook: refused a payload with a bad signature")
            return request.make_response('Invalid signature', status=403)
        try:
            payload = json.loads(body)
        except ValueError:
            return request.make_response('Bad payload', status=400)
        statuses = parse_status_webhook(payload)
        request.env['cobranza.reminder'].sudo()._apply_whatsapp_statuses(statuses)
        return request.make_response('OK', [('Content-Type', 'text/plain')])
