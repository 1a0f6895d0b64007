from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = 'res.company'

    cobranza_whatsapp_api_url = fields.Char(string="WhatsApp API URL", default='https://graph.facebook.com')
    cobranza_whatsapp_api_version = fields.Char(string="WhatsApp API Version", default='v21.0')
    cobranza_whatsapp_phone_number_id = fields.Char(string="WhatsApp Phone Number ID")
    cobranza_whatsapp_token = fields.Char(string="WhatsApp Access Token", groups='base.group_system')
    cobranza_whatsapp_app_secret = fields.Char(string="WhatsApp App Secret", groups='base.group_system')
    cobranza_whatsapp_verify_token = fields.Char(string="WhatsApp Webhook Verify Token", groups='base.group_system')
    cobranza_whatsapp_timeout = fields.Integer(string="WhatsApp Timeout (s)", default=10)
    cobranza_whatsapp_rate_limit = fields.Integer(
        string="WhatsApp Messages per Second", default=80,
        help="The phone number's throughput at Meta (80 by default, up to 1,000 after an upgrade): never exceeded, "
             "whatever the number of Odoo workers sending.")
    cobranza_whatsapp_concurrency = fields.Integer(
        string="WhatsApp Concurrent Calls", default=8,
        help="Calls to the Cloud API in flight at once per sending worker.")

    @api.constrains('cobranza_whatsapp_rate_limit', 'cobranza_whatsapp_concurrency')
    def _check_cobranza_whatsapp_throughput(self):
        for company in self:
            if company.cobranza_whatsapp_rate_limit < 2 or company.cobranza_whatsapp_concurrency < 1:
                raise ValidationError(self.env._(
                    "WhatsApp needs a rate limit of at least 2 messages per second and at least one concurrent call."))
    cobranza_bank_auto_confidence = fields.Integer(
        string="Automatic Bank Reconciliation from Confidence", default=0,
        help="Bank statement lines matched with an invoice with at least this confidence (0-100) are reconciled "
             "without asking; 0 never reconciles automatically.")
