"""Field visits of collectors to debtors: planning, route, check-in from the phone, result."""
import base64
import binascii
from datetime import datetime, time, timedelta

import pytz
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import float_compare

from ..tools import contact_window as cw
from ..tools import route

VISIT_STATES = [
    ('planned', 'Planned'),
    ('confirmed', 'Confirmed'),
    ('in_progress', 'In Progress'),
    ('done', 'Done'),
    ('missed', 'Missed'),
    ('cancelled', 'Cancelled'),
]
VISIT_RESULTS = [
    ('paid', 'Paid'),
    ('partial', 'Partial payment'),
    ('promise', 'Promise to pay'),
    ('nobody_home', 'Nobody home'),
    ('moved', 'Moved'),
    ('wrong_address', 'Wrong address'),
    ('deceased', 'Deceased'),
    ('dispute', 'Dispute (aclaración)'),
    ('refused', 'Refuses to pay'),
    ('not_locatable', 'Not locatable'),
]
# Results for which the debtor (or someone answering for them) was found at the address.
LOCATED_RESULTS = frozenset({'paid', 'partial', 'promise', 'dispute', 'refused'})
# Results after which the visit did not reach the debtor at all: the visit is "missed".
OPEN_STATES = ('planned', 'confirmed', 'in_progress')
# What a collector may change on their own visit before it is done; the rest is the supervisor's.
# Written only by the visit's own methods (check-in, result, route), never directly by a collector.
PROTECTED_FIELDS = frozenset({
    'state', 'checkin_date', 'checkin_latitude', 'checkin_longitude', 'checkin_accuracy', 'checkin_located',
    'checkin_distance', 'no_gps_reason', 'flag_no_gps', 'flag_distance', 'flag_no_checkin', 'done_date',
    'route_sequence', 'route_leg_km', 'route_total_km', 'latitude', 'longitude', 'promise_id',
})
PHOTO_MAX_PX = 1280


def _hhmm(hours):
    """7.5 -> '07:30'."""
    hour, minute = divmod(round(hours * 60), 60)
    return f'{hour:02d}:{minute:02d}'


class CobranzaVisit(models.Model):
    """A collector's visit to a debtor's address.

    Planned inside the legal contact window of the debtor's time zone and within the collector's
    daily capacity; ordered in the collector's route of the day (:mod:`..tools.route`); checked in
    from the phone (:meth:`check_in`) and closed with its result (:meth:`record_result`), which is
    written to the immutable contact log. Both methods are the external API of the agency's apps.
    """
    _name = 'cobranza.visit'
    _description = 'Collection Field Visit'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'planned_date desc, collector_id, route_sequence, planned_start, id'
    _check_company_auto = True
    _mail_post_access = 'read'

    name = fields.Char(compute='_compute_name', store=True, precompute=True)
    account_id = fields.Many2one(
        'cobranza.account', string="Collection Account", required=True, index=True, ondelete='restrict',
        check_company=True, tracking=True)
    partner_id = fields.Many2one(related='account_id.partner_id', store=True, string="Debtor", index=True,
                                 precompute=True)
    company_id = fields.Many2one(related='account_id.company_id', store=True, index=True, precompute=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    collector_id = fields.Many2one(
        'res.users', required=True, index=True, tracking=True,
        compute='_compute_collector_id', store=True, readonly=False, precompute=True,
        domain=lambda self: [('all_group_ids', 'in', self.env.ref('cobranza_mx.group_cobranza_collector').id)])
    purpose = fields.Char(translate=False, tracking=True)
    planned_start = fields.Datetime(string="Slot Start", required=True, tracking=True, index=True)
    duration = fields.Float(string="Slot (hours)", default=0.5, required=True)
    planned_end = fields.Datetime(string="Slot End", compute='_compute_planned_end', store=True, precompute=True)
    planned_date = fields.Date(
        string="Visit Day", compute='_compute_planned_date', store=True, index=True, precompute=True,
        help="The day of the slot in the debtor's time zone.")
    debtor_tz = fields.Char(string="Debtor Time Zone", compute='_compute_planned_date', store=True, precompute=True)
    state = fields.Selection(VISIT_STATES, required=True, default='planned', tracking=True, index=True)
    result = fields.Selection(VISIT_RESULTS, tracking=True)
    located = fields.Boolean(compute='_compute_located', store=True, precompute=True,
                             help="The debtor was found at the address.")
    note = fields.Text(string="Notes")
    # Address and coordinates, taken from the debtor (partner_latitude/longitude, base since 19.0).
    address = fields.Char(compute='_compute_address', store=True, readonly=False, precompute=True)
    # Group rows add up neither coordinates nor route positions (aggregator=None).
    latitude = fields.Float(digits=(10, 7), compute='_compute_address', store=True, readonly=False, precompute=True,
                            string="Address Latitude", aggregator=None)
    longitude = fields.Float(digits=(10, 7), compute='_compute_address', store=True, readonly=False, precompute=True,
                             string="Address Longitude", aggregator=None)
    # Route of the day.
    route_sequence = fields.Integer(string="Route Order", readonly=True, aggregator=None)
    route_leg_km = fields.Float(string="From Previous Stop (km)", digits=(16, 2), readonly=True)
    route_total_km = fields.Float(string="Day's Route (km)", digits=(16, 2), readonly=True)
    route_url = fields.Char(string="Route in Maps", compute='_compute_route_url')
    maps_url = fields.Char(string="Address in Maps", compute='_compute_route_url')
    # Check-in.
    checkin_date = fields.Datetime(string="Check-in Time", readonly=True)
    checkin_latitude = fields.Float(string="Check-in Latitude", digits=(10, 7), readonly=True, aggregator=None)
    checkin_longitude = fields.Float(string="Check-in Longitude", digits=(10, 7), readonly=True, aggregator=None)
    checkin_accuracy = fields.Float(string="GPS Accuracy (m)", digits=(16, 1), readonly=True, aggregator='avg')
    checkin_located = fields.Boolean(string="Has GPS Position", readonly=True)
    checkin_distance = fields.Float(
        string="Distance to Address (m)", digits=(16, 0), readonly=True, aggregator='avg',
        help="Great-circle distance between the check-in position and the coordinates of the address.")
    no_gps_reason = fields.Char(string="Reason Without GPS", readonly=True)
    photo = fields.Image(string="Photo of the Address", max_width=PHOTO_MAX_PX, max_height=PHOTO_MAX_PX)
    flag_no_gps = fields.Boolean(string="Checked in Without GPS", readonly=True)
    flag_distance = fields.Boolean(string="Far From the Address", readonly=True)
    flag_no_checkin = fields.Boolean(string="Result Without Check-in", readonly=True)
    flagged = fields.Boolean(compute='_compute_flagged', store=True, precompute=True, string="To Review")
    done_date = fields.Datetime(string="Result Time", readonly=True)
    # A promise made at the door: typed here, recorded as a promise to pay (cobranza.promise) with the result.
    promise_amount = fields.Monetary(tracking=True)
    promise_date = fields.Date(tracking=True)
    promise_id = fields.Many2one('cobranza.promise', string="Promise to Pay", readonly=True, copy=False,
                                 index='btree_not_null', ondelete='restrict')
    promise_state = fields.Selection(related='promise_id.state', string="Promise Status")
    # Data the collector found out, applied to the debtor with the result.
    update_phone = fields.Char(string="New Phone")
    update_mobile = fields.Char(string="New Mobile")
    update_street = fields.Char(string="New Street")
    update_city = fields.Char(string="New City")
    update_zip = fields.Char(string="New ZIP")
    update_contact_name = fields.Char(string="Contact Person Met")
    contact_log_ids = fields.One2many('cobranza.contact.log', 'visit_id', readonly=True)

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends('partner_id', 'planned_date')
    def _compute_name(self):
        for visit in self:
            visit.name = ' - '.join(filter(None, [visit.partner_id.name,
                                                  visit.planned_date and fields.Date.to_string(visit.planned_date)]))

    @api.depends('account_id')
    def _compute_collector_id(self):
        for visit in self:
            if not visit.collector_id:
                visit.collector_id = visit.account_id.collector_id

    @api.depends('planned_start', 'duration')
    def _compute_planned_end(self):
        for visit in self:
            visit.planned_end = visit.planned_start and visit.planned_start + timedelta(hours=visit.duration)

    @api.depends('planned_start', 'partner_id.tz', 'partner_id.state_id')
    def _compute_planned_date(self):
        for visit in self:
            tz_name = visit.partner_id._cobranza_timezone() if visit.partner_id else cw.DEFAULT_TZ
            visit.debtor_tz = tz_name
            visit.planned_date = visit.planned_start and pytz.utc.localize(visit.planned_start).astimezone(
                pytz.timezone(tz_name)).date()

    @api.depends('result')
    def _compute_located(self):
        for visit in self:
            visit.located = visit.result in LOCATED_RESULTS

    @api.depends('partner_id')
    def _compute_address(self):
        for visit in self:
            partner = visit.partner_id
            visit.address = ', '.join(filter(None, [partner.street, partner.street2, partner.city, partner.zip,
                                                    partner.state_id.name]))
            visit.latitude = partner.partner_latitude
            visit.longitude = partner.partner_longitude

    @api.depends('flag_no_gps', 'flag_distance', 'flag_no_checkin')
    def _compute_flagged(self):
        for visit in self:
            visit.flagged = visit.flag_no_gps or visit.flag_distance or visit.flag_no_checkin

    @api.depends('latitude', 'longitude', 'route_sequence', 'collector_id', 'planned_date')
    def _compute_route_url(self):
        for visit in self:
            visit.maps_url = route.maps_url([visit._point()]) if visit._has_point() else False
        # One search per collector and day, not per visit: lists show many visits of few days.
        for (collector, _day), visits in self.grouped(lambda v: (v.collector_id, v.planned_date)).items():
            day = visits[:1]._day_visits().filtered(lambda v: v._has_point())
            points = [v._point() for v in day.sorted('route_sequence')]
            base = collector._cobranza_visit_base() if collector else None
            visits.route_url = route.maps_url(([base] if base else []) + points) if points else False

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains('planned_start', 'duration', 'account_id')
    def _check_contact_window(self):
        for visit in self.filtered(lambda v: v.state in OPEN_STATES):
            if visit.duration <= 0 or visit.duration > 12:
                raise ValidationError(self.env._("A visit slot lasts more than 0 and at most 12 hours."))
            window, tz_name = visit._contact_window()
            start = pytz.utc.localize(visit.planned_start)
            last = start + timedelta(hours=visit.duration) - timedelta(seconds=1)
            if not (cw.is_open(window, start, tz_name) and cw.is_open(window, last, tz_name)):
                local = start.astimezone(pytz.timezone(tz_name))
                raise ValidationError(self.env._(
                    "The visit to %(debtor)s at %(time)s (%(tz)s) is outside the legal contact window of the "
                    "debtor: %(hours)s.",
                    debtor=visit.partner_id.name, time=local.strftime('%Y-%m-%d %H:%M'), tz=tz_name,
                    hours=', '.join(f'{_hhmm(a)}-{_hhmm(b)}' for a, b in window.hours)))

    @api.constrains('collector_id', 'planned_date', 'state')
    def _check_capacity(self):
        for collector, day in self.filtered(lambda v: v.state in OPEN_STATES).grouped(
                lambda v: (v.collector_id, v.planned_date)):
            capacity = collector._cobranza_visit_capacity()
            count = self.sudo().search_count([('collector_id', '=', collector.id), ('planned_date', '=', day),
                                              ('state', 'not in', ('cancelled', 'missed'))])
            if count > capacity:
                raise ValidationError(self.env._(
                    "%(collector)s can make at most %(capacity)s visits a day: %(day)s would have %(count)s.",
                    collector=collector.name, capacity=capacity, day=day, count=count))

    @api.constrains('collector_id')
    def _check_collector(self):
        group = self.env.ref('cobranza_mx.group_cobranza_collector')
        for visit in self:
            if group not in visit.collector_id.sudo().all_group_ids:
                raise ValidationError(self.env._("%(user)s is not a collector.", user=visit.collector_id.name))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        visits = super().create(vals_list)
        visits._plan_routes()
        return visits

    def write(self, vals):
        self._check_write_allowed(vals)
        corrected = self.filtered(lambda v: v.state == 'done') if not self.env.su else self.browse()
        replan = {'planned_start', 'collector_id', 'latitude', 'longitude', 'state'} & set(vals)
        before = self._day_keys() if replan else set()
        result = super().write(vals)
        for visit in corrected:
            visit.message_post(body=self.env._(
                "Done visit corrected by %(user)s: %(fields)s.", user=self.env.user.name,
                fields=', '.join(sorted(self._fields[name]._description_string(self.env) for name in vals))))
        if replan:
            self._plan_routes(before | self._day_keys())
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_logged(self):
        self.env['cobranza.contact.log']._check_no_evidence('visit_id', self)
        for visit in self:
            if visit.state == 'done':
                raise UserError(self.env._("A done visit cannot be deleted; a supervisor can correct it."))

    def _check_write_allowed(self, vals):
        """A collector changes only their open visits; a done visit is the supervisor's to correct."""
        if self.env.su or self.env.user.has_group('cobranza_mx.group_cobranza_supervisor'):
            return
        if self.filtered(lambda v: v.state == 'done'):
            raise AccessError(self.env._("A done visit can only be corrected by a collection supervisor."))
        refused = PROTECTED_FIELDS.intersection(vals)
        if refused:
            raise AccessError(self.env._(
                "These fields of a visit are set by the check-in and the result, not by hand: %(fields)s.",
                fields=', '.join(sorted(self._fields[name]._description_string(self.env) for name in refused))))
        if 'collector_id' in vals and any(v.collector_id.id != vals['collector_id'] for v in self):
            raise AccessError(self.env._("Only a collection supervisor can give a visit to another collector."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_confirm(self):
        self._check_open()
        self.filtered(lambda v: v.state == 'planned').sudo().write({'state': 'confirmed'})

    def action_cancel(self):
        self._check_open()
        self.sudo().write({'state': 'cancelled'})

    def action_mark_missed(self):
        """The collector could not go: the visit is missed, and the contact log says so."""
        self._check_open()
        now = fields.Datetime.now()
        self.sudo().write({'state': 'missed', 'done_date': now})
        self._log_outcome('missed')

    def action_reset(self):
        if not self.env.user.has_group('cobranza_mx.group_cobranza_supervisor'):
            raise AccessError(self.env._("Only a collection supervisor can reopen a visit."))
        self.filtered(lambda v: v.state in ('cancelled', 'missed')).write({'state': 'planned'})
        return True

    def action_record_result(self):
        """Form button: close the visit with the result, note and promise typed on the form."""
        self.ensure_one()
        return self.record_result(self.result, note=self.note or '', promise_amount=self.promise_amount,
                                  promise_date=self.promise_date)

    def action_geolocate(self):
        """Find the coordinates of the debtors' addresses with the geocoder (see res_partner_geo.py)."""
        return self.partner_id.action_cobranza_geolocate()

    def action_plan_routes(self):
        self._plan_routes()
        return True

    def action_print_sheet(self):
        return self.env.ref('cobranza_mx.action_report_visit_sheet').report_action(self)

    # ------------------------------------------------------------------
    # External API (XML-RPC / JSON-RPC), also used by the check-in component
    # ------------------------------------------------------------------
    def check_in(self, latitude, longitude, accuracy_m, photo_base64=False, no_gps_reason=False):
        """Check in at the debtor's address from the phone.

        :param latitude: decimal degrees, or False/None when the phone gave no position.
        :param longitude: decimal degrees, or False/None.
        :param accuracy_m: accuracy of the position in metres (0 when unknown).
        :param photo_base64: the photo of the address, base64 (PNG or JPEG), or False.
        :param no_gps_reason: required when there is no position; the check-in is then flagged.
        :return: ``{'distance_m', 'flagged', 'state'}``; the visit is ``in_progress``.
        """
        self.ensure_one()
        self._check_open()
        if self.state == 'in_progress':
            raise UserError(self.env._("This visit is already checked in."))
        vals = {'state': 'in_progress', 'checkin_date': fields.Datetime.now(),
                'flag_no_gps': False, 'flag_distance': False, 'checkin_distance': 0.0}
        has_position = latitude not in (None, False, '') and longitude not in (None, False, '')
        if has_position:
            try:
                lat, lon = route.check_point((latitude, longitude))
                accuracy = float(accuracy_m or 0.0)
            except (TypeError, ValueError):
                raise ValidationError(self.env._(
                    "The check-in position is not valid: latitude must be within -90 and 90, longitude within "
                    "-180 and 180 and the accuracy a number of metres.")) from None
            if accuracy < 0:
                raise ValidationError(self.env._("The GPS accuracy cannot be negative."))
            vals.update(checkin_latitude=lat, checkin_longitude=lon, checkin_accuracy=accuracy,
                        checkin_located=True, no_gps_reason=False)
            if self._has_point():
                distance = route.haversine_km((lat, lon), self._point()) * 1000.0
                vals['checkin_distance'] = distance
                vals['flag_distance'] = float_compare(distance, self._policy().visit_max_distance_m, 0) > 0
        else:
            if not (no_gps_reason or '').strip():
                raise ValidationError(self.env._(
                    "Without a GPS position, say why (e.g. the phone denied the location) to check in."))
            vals.update(checkin_latitude=0.0, checkin_longitude=0.0, checkin_accuracy=0.0, checkin_located=False,
                        no_gps_reason=no_gps_reason.strip(), flag_no_gps=True)
        if photo_base64:
            vals['photo'] = self._check_photo(photo_base64)
        self.sudo().write(vals)
        if vals['flag_distance']:
            self.message_post(body=self.env._(
                "Checked in %(distance)s m from the address (the policy allows %(max)s m): to review.",
                distance=round(vals['checkin_distance']), max=round(self._policy().visit_max_distance_m)))
        elif vals['flag_no_gps']:
            self.message_post(body=self.env._("Checked in without GPS position: %(reason)s",
                                              reason=vals['no_gps_reason']))
        return {'distance_m': round(vals['checkin_distance'], 1), 'flagged': self.flagged, 'state': self.state}

    def record_result(self, result, note='', promise_amount=0.0, promise_date=False):
        """Close the visit with its ``result`` (a code of :data:`VISIT_RESULTS`).

        A ``promise`` needs a positive ``promise_amount`` and a ``promise_date`` from the visit day on.
        The data updates typed on the visit are applied to the debtor; the outcome is a contact-log row.
        A result typed later from the printed sheet (no check-in) is flagged for the supervisor.
        :return: ``{'state', 'result', 'contact_log_id'}``.
        """
        self.ensure_one()
        self._check_open()
        codes = dict(self._fields['result']._description_selection(self.env))
        if result not in codes:
            raise ValidationError(self.env._(
                "Unknown visit result %(result)r: use one of %(codes)s.", result=result, codes=', '.join(codes)))
        try:
            amount = float(promise_amount or 0.0)
        except (TypeError, ValueError):
            raise ValidationError(self.env._("The promised amount must be a number.")) from None
        day = False
        if promise_date:
            try:
                day = fields.Date.to_date(promise_date)
            except ValueError:
                raise ValidationError(self.env._("The promise date must be a date (YYYY-MM-DD).")) from None
        if result == 'promise':
            if amount <= 0 or not day:
                raise ValidationError(self.env._("A promise to pay needs a positive amount and a date."))
            if day < (self.planned_date or fields.Date.context_today(self)):
                raise ValidationError(self.env._("The promise date cannot be before the visit."))
        elif amount < 0:
            raise ValidationError(self.env._("The promised amount cannot be negative."))
        # The promise first: outside the policy's limits it raises before anything of the visit is written.
        promise = self._create_promise(amount, day, note) if result == 'promise' else self.env['cobranza.promise']
        vals = {'state': 'done', 'result': result, 'done_date': fields.Datetime.now(),
                'note': note or self.note or False,
                'promise_amount': amount if result == 'promise' else 0.0,
                'promise_date': day if result == 'promise' else False,
                'promise_id': promise.id,
                'flag_no_checkin': not self.checkin_date}
        self.sudo().write(vals)
        self._apply_data_updates()
        log = self._log_outcome('visited')
        if promise:
            # As the contact form does: the collector's next step is to check the promised payment.
            self.account_id.sudo().write({'next_step': self.env._("Check the promised payment"),
                                          'next_step_date': day + timedelta(days=1)})
        message = self.env._("Visit result: %(result)s.", result=codes[result])
        if result == 'promise':
            message += ' ' + self.env._("Promise of %(amount)s %(currency)s for %(date)s.",
                                        amount=amount, currency=self.currency_id.name, date=day)
        self.account_id.sudo().message_post(body=message + (' ' + note if note else ''))
        return {'state': self.state, 'result': self.result, 'contact_log_id': log.id}

    def _create_promise(self, amount, day, note):
        """The promise to pay made at this visit, on the account's invoices in collection, within the
        policy's limits counted from the visit day (a :class:`ValidationError` otherwise)."""
        self.ensure_one()
        moves = self.account_id.sudo().invoice_ids.filtered(lambda m: m.amount_residual > 0)
        if not moves:
            raise ValidationError(self.env._(
                "%(debtor)s has no open invoice in collection: there is nothing to promise.",
                debtor=self.partner_id.name))
        today = fields.Date.context_today(self)
        # The limits are checked once the row is inserted: a refused promise leaves nothing behind.
        with self.env.cr.savepoint():
            return self.env['cobranza.promise'].create({
                'account_id': self.account_id.id, 'move_ids': [fields.Command.set(moves.ids)],
                'amount': amount, 'date': day, 'channel': 'visit', 'collector_id': self.collector_id.id,
                'made_on': min(self.planned_date or today, today), 'note': note or self.note or False,
            })

    # ------------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------------
    @api.model
    def _schedule_for_accounts(self, accounts, day, start_hour=9.0, purpose=False, collector=None,
                               fallback_collector=None, max_days=14):
        """Plan one visit per account from ``day`` on, in consecutive slots of each collector's days.

        The slot of each visit is the first one free after ``start_hour`` (local time of the debtor)
        inside the contact window, on a day with room in the collector's capacity. Accounts with an
        open visit already are skipped. Returns the new visits.
        """
        open_visits = self.sudo().search([('account_id', 'in', accounts.ids), ('state', 'in', OPEN_STATES)])
        busy = set(open_visits.account_id.ids)
        duration = 0.5
        vals_list = []
        load = {}  # (collector id, day) -> [visits planned, next free instant]
        for account in accounts:
            if account.id in busy:
                continue
            user = collector or account.collector_id or fallback_collector
            if not user:
                raise UserError(self.env._(
                    "%(account)s has no collector: assign one, or choose the collector of the visits.",
                    account=account.display_name))
            start = self._free_slot(account, user, day, start_hour, duration, load, max_days)
            vals_list.append({'account_id': account.id, 'collector_id': user.id, 'planned_start': start,
                              'duration': duration, 'purpose': purpose})
        return self.create(vals_list)

    def _free_slot(self, account, user, day, start_hour, duration, load, max_days):
        """The first free slot (naive UTC start) of ``user`` for ``account`` from ``day`` on; counted in ``load``."""
        tz_name = account.partner_id._cobranza_timezone()
        window = self._window_for(account, account.partner_id)
        capacity = user._cobranza_visit_capacity()
        for offset in range(max_days):
            current = day + timedelta(days=offset)
            count, latest = self._day_load(user, current, load)
            if count >= capacity:
                continue
            start = self._slot_on(current, start_hour, duration, latest, window, tz_name)
            if start:
                load[(user.id, current)] = [count + 1, start + timedelta(hours=duration)]
                return start
        raise UserError(self.env._(
            "No free visit slot for %(collector)s in the %(days)s days from %(day)s.",
            collector=user.name, days=max_days, day=day))

    def _day_load(self, user, day, load):
        """[visits planned, end of the last one] of ``user`` on ``day``, read once into ``load``."""
        key = (user.id, day)
        if key not in load:
            existing = self.sudo().search([('collector_id', '=', user.id), ('planned_date', '=', day),
                                           ('state', 'not in', ('cancelled', 'missed'))])
            load[key] = [len(existing), max(existing.mapped('planned_end'), default=None)]
        return load[key]

    @api.model
    def _slot_on(self, day, start_hour, duration, not_before, window, tz_name):
        """The first start on the local ``day``, from ``start_hour`` and ``not_before`` on, whose whole slot
        is inside ``window``; None when the day has no such slot left."""
        tz = pytz.timezone(tz_name)
        wall = datetime.combine(day, time()) + timedelta(hours=start_hour)
        candidate = tz.localize(wall).astimezone(pytz.utc).replace(tzinfo=None)
        if not_before and not_before > candidate:
            candidate = not_before
        candidate = cw.next_opening(window, candidate, tz_name)
        end = candidate + timedelta(hours=duration) - timedelta(seconds=1)
        if pytz.utc.localize(candidate).astimezone(tz).date() != day or not cw.is_open(window, end, tz_name):
            return None
        return candidate

    def _day_keys(self):
        return {(v.collector_id.id, v.planned_date) for v in self if v.collector_id and v.planned_date}

    def _day_visits(self):
        """The visits of the same collector and day as this one, to order in one route."""
        self.ensure_one()
        if not self.collector_id or not self.planned_date:
            return self.browse()
        return self.sudo().search([('collector_id', '=', self.collector_id.id),
                                   ('planned_date', '=', self.planned_date),
                                   ('state', 'not in', ('cancelled', 'missed'))])

    def _plan_routes(self, keys=None):
        """Order the visits of each collector-day of these visits (or of ``keys``) from the collector's base."""
        keys = keys if keys is not None else self._day_keys()
        if not keys:
            return
        Visit = self.sudo().with_context(tracking_disable=True)
        domain = Domain.OR(Domain('collector_id', '=', uid) & Domain('planned_date', '=', day) for uid, day in keys)
        visits = Visit.search(domain & Domain('state', 'not in', ('cancelled', 'missed')))
        for (collector, _day), day_visits in visits.grouped(lambda v: (v.collector_id, v.planned_date)).items():
            day_visits._order_route(collector)

    def _order_route(self, collector):
        """Write the route order of these visits (one collector, one day) and the legs in km."""
        located = self.filtered(lambda v: v._has_point()).sorted(lambda v: (v.planned_start, v.id))
        unlocated = (self - located).sorted(lambda v: (v.planned_start, v.id))
        stops = [v._point() for v in located]
        base = collector._cobranza_visit_base() or (stops[0] if stops else None)
        order = route.plan_route(base, stops) if stops else []
        legs = route.route_legs(base, stops, order) if stops else []
        total = sum(legs)
        ordered = [located[i] for i in order] + list(unlocated)
        for sequence, visit in enumerate(ordered, start=1):
            leg = legs[sequence - 1] if sequence <= len(legs) else 0.0
            values = {'route_sequence': sequence, 'route_leg_km': leg, 'route_total_km': total}
            if any(visit[name] != value for name, value in values.items()):
                visit.write(values)

    # ------------------------------------------------------------------
    # Visit sheet (report/cobranza_visit_sheet.xml)
    # ------------------------------------------------------------------
    def _sheet_groups(self):
        """The sheets to print: one per collector and day, each with its visits in route order."""
        groups = self.grouped(lambda v: (v.collector_id, v.planned_date))
        return [{'collector': collector, 'day': day, 'visits': visits.sorted(lambda v: (v.route_sequence, v.id))}
                for (collector, day), visits in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0].id))]

    def _sheet_invoices(self):
        self.ensure_one()
        return self.account_id.sudo().invoice_ids.filtered(lambda m: m.amount_residual > 0).sorted('invoice_date_due')

    def _sheet_results(self, lang=None):
        """The labels of the results, in ``lang`` (the language the sheet is printed in)."""
        env = self.with_context(lang=lang).env if lang else self.env
        return [label for _code, label in self._fields['result']._description_selection(env)]

    def _sheet_slot(self):
        self.ensure_one()
        tz = pytz.timezone(self.debtor_tz or cw.DEFAULT_TZ)
        start = pytz.utc.localize(self.planned_start).astimezone(tz)
        end = pytz.utc.localize(self.planned_end).astimezone(tz)
        return f"{start.strftime('%H:%M')}-{end.strftime('%H:%M')} ({self.debtor_tz})"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _has_point(self):
        self.ensure_one()
        return bool(self.latitude or self.longitude)

    def _point(self):
        self.ensure_one()
        return (self.latitude, self.longitude)

    def _policy(self):
        """The policy of the visit's account: its override, its stage's, else the company's first."""
        self.ensure_one()
        return self._policy_of(self.account_id)

    @api.model
    def _policy_of(self, account):
        policy = account.policy_id or account.stage_id.policy_id
        if not policy:
            policy = self.env['cobranza.policy'].sudo().search(
                [('company_id', 'in', [account.company_id.id, False])], limit=1)
        return policy

    @api.model
    def _window_for(self, account, partner):
        policy = self._policy_of(account)
        return cw.ContactWindow(
            start=policy.contact_hour_start if policy else 7.0,
            end=policy.contact_hour_end if policy else 22.0,
            weekdays=policy._contact_weekdays() if policy else cw.ALL_WEEKDAYS,
            preferred_start=partner.cobranza_contact_hour_from or None,
            preferred_end=partner.cobranza_contact_hour_to or None)

    def _contact_window(self):
        """(ContactWindow, debtor time zone) of this visit, as the reminders use them."""
        self.ensure_one()
        return self._window_for(self.account_id, self.partner_id), self.partner_id._cobranza_timezone()

    def _check_open(self):
        for visit in self:
            if visit.state not in OPEN_STATES:
                states = dict(self._fields['state']._description_selection(self.env))
                raise UserError(self.env._("The visit %(visit)s is %(state)s: it cannot be changed this way.",
                                           visit=visit.display_name, state=states[visit.state]))

    def _check_photo(self, photo_base64):
        data = photo_base64.split(',', 1)[1] if photo_base64.startswith('data:') else photo_base64
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(self.env._("The photo must be an image encoded in base64.")) from None
        if not raw.startswith((b'\x89PNG', b'\xff\xd8\xff')):
            raise ValidationError(self.env._("The photo must be a PNG or JPEG image."))
        return data

    def _apply_data_updates(self):
        """Write the data found at the door to the debtor and keep the history on their chatter."""
        self.ensure_one()
        partner = self.partner_id.sudo()
        mapping = {'update_phone': 'phone', 'update_mobile': 'phone', 'update_street': 'street',
                   'update_city': 'city', 'update_zip': 'zip'}
        changes, lines = {}, []
        for source, target in mapping.items():
            value = (self[source] or '').strip()
            if value and value != (partner[target] or ''):
                label = partner._fields[target]._description_string(self.env)
                lines.append(self.env._("%(field)s: %(old)s → %(new)s", field=label, old=partner[target] or '-',
                                        new=value))
                changes[target] = value
        if self.update_contact_name:
            lines.append(self.env._("Contact person met: %(name)s", name=self.update_contact_name))
        if self.result in ('moved', 'wrong_address', 'deceased', 'not_locatable', 'dispute'):
            labels = dict(self._fields['result']._description_selection(self.env))
            lines.append(self.env._("Visit finding: %(result)s", result=labels[self.result]))
        if changes:
            partner.write(changes)
        if lines:
            body = self.env._("Updated from the visit of %(date)s by %(collector)s:",
                              date=self.planned_date, collector=self.collector_id.name)
            partner.message_post(body=body + ' ' + '; '.join(lines))
            self.message_post(body=body + ' ' + '; '.join(lines))

    def _log_outcome(self, log_result):
        """One row of the immutable contact log for the outcome of each of these visits."""
        Log = self.env['cobranza.contact.log'].sudo()
        labels = dict(self._fields['result']._description_selection(self.env))
        logs = Log.browse()
        for visit in self:
            local = pytz.utc.localize(visit.done_date or fields.Datetime.now()).astimezone(
                pytz.timezone(visit.debtor_tz or cw.DEFAULT_TZ))
            detail = labels.get(visit.result, '') if log_result == 'visited' else self.env._("The visit was missed.")
            if visit.result == 'promise':
                detail += ' ' + self.env._("(%(amount)s for %(date)s)", amount=visit.promise_amount,
                                           date=visit.promise_date)
            logs |= Log.create({
                'date': visit.done_date or fields.Datetime.now(),
                'local_time': local.strftime('%Y-%m-%d %H:%M %Z'),
                'company_id': visit.company_id.id,
                'partner_id': visit.partner_id.id,
                'account_id': visit.account_id.id,
                'move_ids': [(6, 0, visit.account_id.sudo().invoice_ids.ids)],
                'user_id': visit.collector_id.id,
                'channel': 'visit',
                'recipient': visit.address,
                'visit_id': visit.id,
                'visit_result': visit.result if log_result == 'visited' else False,
                'promise_id': visit.promise_id.id,
                'result': log_result,
                'body': visit.note or False,
                'detail': detail,
            })
        return logs
