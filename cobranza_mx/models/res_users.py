from odoo import api, fields, models
from odoo.exceptions import ValidationError

DEFAULT_VISIT_CAPACITY = 8


class ResUsers(models.Model):
    _inherit = 'res.users'

    cobranza_visit_capacity = fields.Integer(
        string="Visits per Day", default=DEFAULT_VISIT_CAPACITY,
        help="Most field visits this collector can make in one day.")
    cobranza_base_latitude = fields.Float(
        string="Base Latitude", digits=(10, 7), help="Where the collector's route of the day starts.")
    cobranza_base_longitude = fields.Float(string="Base Longitude", digits=(10, 7))

    @api.constrains('cobranza_visit_capacity', 'cobranza_base_latitude', 'cobranza_base_longitude')
    def _check_cobranza_visits(self):
        for user in self:
            if user.cobranza_visit_capacity < 1:
                raise ValidationError(self.env._("A collector makes at least one visit a day."))
            if not (-90 <= user.cobranza_base_latitude <= 90 and -180 <= user.cobranza_base_longitude <= 180):
                raise ValidationError(self.env._("The base of the collector must be valid coordinates."))

    def _cobranza_visit_capacity(self):
        self.ensure_one()
        return self.sudo().cobranza_visit_capacity or DEFAULT_VISIT_CAPACITY

    def _cobranza_visit_base(self):
        """(latitude, longitude) where the collector's day starts: their base, else their company's; or None."""
        self.ensure_one()
        user = self.sudo()
        if user.cobranza_base_latitude or user.cobranza_base_longitude:
            return (user.cobranza_base_latitude, user.cobranza_base_longitude)
        partner = user.company_id.partner_id
        if partner.partner_latitude or partner.partner_longitude:
            return (partner.partner_latitude, partner.partner_longitude)
        return None
