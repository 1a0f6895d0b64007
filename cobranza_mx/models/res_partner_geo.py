"""Coordinates of a debtor's address from a Nominatim geocoder, kept on the partner for the visits."""
import logging

from odoo import fields, models, modules, tools
from odoo.exceptions import AccessError, UserError

from ..tools import geocoding as geo

_logger = logging.getLogger(__name__)
GEOCODER_URL_PARAM = 'cobranza_mx.geocoder_url'


# The model is split by concept on purpose: the debtor's place on the map.
# pylint: disable=consider-merging-classes-inherited
class ResPartner(models.Model):
    _inherit = 'res.partner'

    cobranza_geo_date = fields.Datetime(string="Geolocated On", readonly=True, copy=False,
                                        help="When the coordinates were last found from the address.")

    def action_cobranza_geolocate(self):
        """Find the coordinates of these partners' addresses (one geocoder request each) and keep them.

        Also moves their open visits to the new point. One partner: a failure raises a clear
        :class:`UserError`. Several: the failures are listed in a notification, the others are kept.
        """
        self._cobranza_check_geolocate_access()
        url = self._cobranza_geocoder_url()
        done, failures = self.browse(), []
        for partner in self:
            try:
                place = geo.geocode(partner._cobranza_geo_query(), url, user_agent=self._cobranza_geo_user_agent(),
                                    country_codes=(partner.country_id.code or 'MX').lower())
            except geo.GeocodingError as error:
                _logger.info('Geocoding of partner %s failed: %s', partner.id, error)
                failures.append(partner._cobranza_geo_error(error))
                continue
            partner._cobranza_set_coordinates(place)
            done |= partner
        if len(self) == 1 and failures:
            raise UserError(failures[0])
        message = self.env._("Addresses located: %(count)s.", count=len(done))
        if failures:
            message += ' ' + self.env._("Not located: %(errors)s", errors=' '.join(failures))
        return {'type': 'ir.actions.client', 'tag': 'display_notification', 'params': {
            'type': 'warning' if failures else 'success', 'message': message, 'sticky': bool(failures),
            'next': {'type': 'ir.actions.act_window_close'} if not failures else False}}

    def _cobranza_check_geolocate_access(self):
        """Supervisors locate any debtor; a collector only the debtors of their accounts or visits."""
        self.check_access('read')
        user = self.env.user
        if self.env.su or user.has_group('cobranza_mx.group_cobranza_supervisor'):
            return
        if not user.has_group('cobranza_mx.group_cobranza_collector'):
            raise AccessError(self.env._("Only collection users can locate addresses."))
        partners = self.commercial_partner_id
        own = self.env['cobranza.account'].sudo().search(
            [('partner_id', 'in', partners.ids), ('collector_id', '=', user.id)]).partner_id
        own |= self.env['cobranza.visit'].sudo().search(
            [('partner_id', 'in', partners.ids), ('collector_id', '=', user.id)]).partner_id
        if partners - own:
            raise AccessError(self.env._("You can only locate the addresses of your own debtors."))

    def _cobranza_geo_query(self):
        self.ensure_one()
        return geo.query_string(self.street or '', self.street2 or '', self.city or '', self.zip or '',
                                self.state_id.name or '', self.country_id.name or '')

    def _cobranza_set_coordinates(self, place):
        """Keep ``place`` on the partner, say so on its chatter and move its open visits there."""
        self.ensure_one()
        self.sudo().write({'partner_latitude': place.latitude, 'partner_longitude': place.longitude,
                           'cobranza_geo_date': fields.Datetime.now()})
        self.sudo().message_post(body=self.env._(
            "Address located at %(latitude)s, %(longitude)s (%(place)s).",
            latitude=round(place.latitude, 6), longitude=round(place.longitude, 6), place=place.display_name))
        visits = self.env['cobranza.visit'].sudo().search([
            ('partner_id', '=', self.id), ('state', 'in', ('planned', 'confirmed'))])
        if visits:
            visits.write({'latitude': place.latitude, 'longitude': place.longitude})

    def _cobranza_geo_error(self, error):
        """The translated reason why ``error`` (a GeocodingError) left this partner without coordinates."""
        name = self.display_name
        if error.code == geo.NO_ADDRESS:
            return self.env._("%(partner)s has no address to locate.", partner=name)
        if error.code == geo.NOT_FOUND:
            return self.env._("The geocoder found no place for the address of %(partner)s: check it.", partner=name)
        if error.code == geo.UNREACHABLE:
            return self.env._(
                "The geocoder could not be reached to locate %(partner)s (offline or too slow); try again later.",
                partner=name)
        return self.env._("The geocoder gave no usable answer for %(partner)s (%(detail)s); try again later.",
                          partner=name, detail=error.detail or error.code)

    def _cobranza_geocoder_url(self):
        """The Nominatim server of the setting (OpenStreetMap's by default); tests may only call this machine."""
        url = (self.env['ir.config_parameter'].sudo().get_param(GEOCODER_URL_PARAM) or geo.DEFAULT_URL).strip()
        if (tools.config['test_enable'] or modules.module.current_test) and not geo.is_loopback(url):
            raise UserError(self.env._("Geocoding is disabled while testing, except with a geocoder on this machine."))
        return url

    def _cobranza_geo_user_agent(self):
        # Nominatim's usage policy asks for an identifying User-Agent.
        company = self.env.company
        return f"cobranza_mx/19.0 (Odoo; {company.email or company.name})"
