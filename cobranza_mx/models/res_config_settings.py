from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    cobranza_whatsapp_api_url = fields.Char(related='company_id.cobranza_whatsapp_api_url', readonly=False)
    cobranza_whatsapp_api_version = fields.Char(related='company_id.cobranza_whatsapp_api_version', readonly=False)
    cobranza_whatsapp_phone_number_id = fields.Char(
        related='company_id.cobranza_whatsapp_phone_number_id', readonly=False)
    cobranza_whatsapp_token = fields.Char(related='company_id.cobranza_whatsapp_token', readonly=False)
    cobranza_whatsapp_app_secret = fields.Char(related='company_id.cobranza_whatsapp_app_secret', readonly=False)
    cobranza_whatsapp_verify_token = fields.Char(related='company_id.cobranza_whatsapp_verify_token', readonly=False)
    cobranza_whatsapp_timeout = fields.Integer(related='company_id.cobranza_whatsapp_timeout', readonly=False)
    cobranza_whatsapp_rate_limit = fields.Integer(related='company_id.cobranza_whatsapp_rate_limit', readonly=False)
    cobranza_whatsapp_concurrency = fields.Integer(related='company_id.cobranza_whatsapp_concurrency', readonly=False)
    cobranza_bank_auto_confidence = fields.Integer(related='company_id.cobranza_bank_auto_confidence', readonly=False)
    cobranza_geocoder_url = fields.Char(
        string="Geocoder (Nominatim) URL", config_parameter='cobranza_mx.geocoder_url',
        default='https://nominatim.openstreetmap.org',
        help="A server speaking Nominatim's search API, to find the coordinates of debtors' addresses.")
