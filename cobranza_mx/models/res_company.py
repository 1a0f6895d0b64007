from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    cobranza_whatsapp_api_url = fields.Char(string="WhatsApp API URL", default='https://graph.facebook.com')
    cobranza_whatsapp_api_version = fields.Char(string="WhatsApp API Version", default='v21.0')
    cobranza_whatsapp_phone_number_id = fields.Char(string="WhatsApp Phone Number ID")
    cobranza_whatsapp_token = fields.Char(string="WhatsApp Access Token", groups='base.group_system')
    cobranza_whatsapp_app_secret = fields.Char(string="WhatsApp App Secret", groups='base.group_system')
    cobranza_whatsapp_verify_token = fields.Char(string="WhatsApp Webhook Verify Token", groups='base.group_system')
    cobranza_whatsapp_timeout = fields.Integer(string="WhatsApp Timeout (s)", default=10)
    cobranza_bank_auto_confidence = fields.Integer(
        string="Automatic Bank Reconciliation from Confidence", default=0,
        help="Bank statement lines matched with an invoice with at least this confidence (0-100) are reconciled "
             "without asking; 0 never reconciles automatically.")
