"""UDI values (Unidades de Inversión), the unit of the LISR art. 27 fr. XV limit of 30,000 UDIS."""
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import udi

_logger = logging.getLogger(__name__)

PARAM_URL = 'cobranza_mx.sie_url'
PARAM_TOKEN = 'cobranza_mx.sie_token'
PARAM_LAST_ERROR = 'cobranza_mx.sie_last_error'
# The first fetch brings this many days back; Banxico publishes the UDI some weeks ahead.
FIRST_FETCH_DAYS = 400
PUBLISHED_AHEAD_DAYS = 45


class CobranzaUdiRate(models.Model):
    """The value in pesos of one UDI on a date (Banxico SIE series SP68257): national, one per day."""
    _name = 'cobranza.udi.rate'
    _description = 'UDI Value'
    _order = 'date desc'
    _rec_name = 'date'

    date = fields.Date(required=True, index=True)
    value = fields.Float(string="Value (MXN per UDI)", digits=(12, 6), required=True)
    source = fields.Selection([('sie', 'Banxico SIE'), ('csv', 'CSV import'), ('manual', 'Manual entry')],
                              required=True, default='manual', readonly=True)

    _date_uniq = models.Constraint('UNIQUE(date)', 'There is only one UDI value per date.')

    @api.constrains('value')
    def _check_value(self):
        for rate in self:
            if rate.value <= 0:
                raise ValidationError(self.env._("A UDI value is positive (%(date)s).", date=rate.date))

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _store_values(self, values, source):
        """Create or update the UDI value of each date of ``values`` ({date: Decimal}); returns the count."""
        if not values:
            return 0
        existing = {rate.date: rate for rate in self.search([('date', 'in', list(values))])}
        to_create = []
        for day, value in sorted(values.items()):
            rate = existing.get(day)
            if rate:
                if round(rate.value, udi.DIGITS) != round(float(value), udi.DIGITS):
                    rate.write({'value': float(value), 'source': source})
            else:
                to_create.append({'date': day, 'value': float(value), 'source': source})
        self.create(to_create)
        return len(values)

    @api.model
    def _values_for(self, dates):
        """``{date: Decimal}`` of the UDI value of every date of ``dates``.

        Raises a UserError naming the dates without a value: a conversion is never guessed.
        """
        dates = set(dates)
        rates = self.sudo().search([('date', 'in', list(dates))]) if dates else self.browse()
        values = {rate.date: udi.parse_value(f'{rate.value:.{udi.DIGITS}f}') for rate in rates}
        missing = udi.missing_dates(dates, values)
        if missing:
            raise UserError(self.env._(
                "There is no UDI value for %(dates)s. Fetch them from Banxico (Collections > Configuration > "
                "UDI Values), import a CSV or enter them by hand: a conversion to UDIS is never guessed.",
                dates=', '.join(fields.Date.to_string(day) for day in missing)))
        return values

    @api.model
    def _sie_client(self):
        params = self.env['ir.config_parameter'].sudo()
        token = params.get_param(PARAM_TOKEN)
        if not token:
            raise UserError(self.env._("Set the Banxico SIE token in the Collections settings to fetch UDI values."))
        return udi.SieClient(params.get_param(PARAM_URL) or udi.DEFAULT_BASE_URL, token)

    @api.model
    def _fetch_from_sie(self, date_from=None, date_to=None):
        """Fetch series SP68257 from Banxico SIE for the period (by default: from the day after the last known
        value to the values published ahead) and store it; returns the number of values received.

        Raises a UserError when SIE refuses the token, fails or answers something unexpected.
        """
        today = fields.Date.context_today(self)
        if not date_from:
            last = self.search([], order='date desc', limit=1).date
            date_from = last + timedelta(days=1) if last else today - timedelta(days=FIRST_FETCH_DAYS)
        date_to = date_to or today + timedelta(days=PUBLISHED_AHEAD_DAYS)
        client = self._sie_client()
        try:
            values = client.period(date_from, date_to) if date_from <= date_to else client.latest()
        except udi.SieAuthError as error:
            raise UserError(self.env._("Banxico SIE refused the token (HTTP %(status)s): check it in the "
                                       "Collections settings.", status=error.http_status or '-')) from error
        except udi.SieTransientError as error:
            raise UserError(self.env._("Banxico SIE is not available (%(error)s); the next run will try again.",
                                       error=error)) from error
        except udi.SieError as error:
            raise UserError(self.env._("Banxico SIE answered something unexpected: %(error)s",
                                       error=error)) from error
        return self._store_values(values, 'sie')

    @api.model
    def _cron_fetch_udi(self):
        """Daily: bring the new UDI values; a failure is logged and kept for the settings, the next run retries."""
        params = self.env['ir.config_parameter'].sudo()
        if not params.get_param(PARAM_TOKEN):
            _logger.info("UDI values: no Banxico SIE token configured, nothing fetched.")
            return
        try:
            count = self._fetch_from_sie()
        except UserError as error:
            _logger.warning("UDI values not fetched: %s", error)
            params.set_param(PARAM_LAST_ERROR, f'{fields.Datetime.now()}: {error}')
            return
        params.set_param(PARAM_LAST_ERROR, False)
        _logger.info("UDI values: %s received from Banxico SIE.", count)

    def action_fetch_now(self):
        """Button of the UDI list: fetch from Banxico SIE now and say how many values came."""
        count = self._fetch_from_sie()
        return {'type': 'ir.actions.client', 'tag': 'display_notification', 'params': {
            'type': 'success', 'message': self.env._("%(count)s UDI values received from Banxico SIE.", count=count),
            'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'}}}
