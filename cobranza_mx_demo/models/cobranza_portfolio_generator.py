import base64
import io
import random
from collections import Counter
from datetime import date, timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every
from PIL import Image, ImageDraw

from ..tools.portfolio import AGING_BUCKETS, USD_MXN, company_rfc_letters, generate_portfolio, make_rfc

DEMO_COMPANY_NAME = 'Comercializadora Demo del Norte S.A. de C.V.'
DEMO_LANG = 'es_MX'
DEMO_TZ = 'America/Mexico_City'
# login (= password), name, groups (XML ids)
DEMO_USERS = (
    ('collector1', 'Jorge Ramírez Soto', ('cobranza_mx.group_cobranza_collector',)),
    ('collector2', 'Ana Karen Villarreal Garza', ('cobranza_mx.group_cobranza_collector',)),
    ('collector3', 'Ricardo Méndez Ortiz', ('cobranza_mx.group_cobranza_collector',)),
    ('supervisor', 'Claudia Treviño Cantú', ('cobranza_mx.group_cobranza_supervisor', 'account.group_account_invoice')),
)
# Results of the past demo visits, and how often each comes up.
RESULTS = ('promise', 'nobody_home', 'paid', 'partial', 'refused', 'dispute', 'moved', 'wrong_address',
           'not_locatable', 'deceased')
RESULT_WEIGHTS = (30, 22, 10, 8, 8, 6, 5, 4, 5, 2)
NOTES = {
    'promise': "Se compromete a pagar en la fecha indicada.",
    'nobody_home': "Nadie atendió; se dejó aviso de visita.",
    'paid': "Mostró el comprobante de pago al acreedor.",
    'partial': "Pagó una parte al acreedor; el resto la próxima quincena.",
    'refused': "No reconoce el adeudo y se niega a pagar.",
    'dispute': "Solicita aclaración de una factura.",
    'moved': "El vecino informa que se mudó.",
    'wrong_address': "La dirección no corresponde al deudor.",
    'not_locatable': "No se localizó el domicilio.",
    'deceased': "Un familiar informa que el titular falleció.",
}


def _demo_photo(rng, size=(160, 120)):
    """A small generated "photo of the address" (a house front), base64 JPEG."""
    wall = tuple(rng.randint(120, 230) for _ in range(3))
    image = Image.new('RGB', size, (135, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 40, 140, 115), fill=wall)
    draw.polygon([(12, 42), (80, 8), (148, 42)], fill=(150, 60, 40))
    draw.rectangle((70, 75, 92, 115), fill=(90, 55, 30))
    draw.rectangle((32, 55, 56, 75), fill=(220, 235, 250))
    draw.rectangle((0, 112, size[0], size[1]), fill=(110, 110, 110))
    buffer = io.BytesIO()
    image.save(buffer, format='JPEG', quality=80)
    return base64.b64encode(buffer.getvalue()).decode()


# Invoices created and posted per batch.
BATCH_SIZE = 500
# Context of the demo records: no chatter messages, followers or tracking to write.
QUIET = {'tracking_disable': True, 'mail_create_nolog': True, 'mail_notrack': True, 'no_reset_password': True}


class CobranzaPortfolioGenerator(models.AbstractModel):
    """Builds a demo Mexican company and a realistic receivables portfolio in it.

    The portfolio itself (debtors, invoices, payments, credit notes) comes from the pure generator
    :func:`..tools.portfolio.generate_portfolio`; this model turns it into partners, posted
    invoices, reconciled credit notes and partial payments. Used by ``scripts/make_demo.py`` and
    the tests; it never commits.
    """
    _name = 'cobranza.portfolio.generator'
    _description = 'Collection Demo Portfolio Generator'

    @api.model
    def _setup_mexican_company(self, name=DEMO_COMPANY_NAME):
        """The company called ``name``, created in Monterrey with the Mexican chart when missing.

        Also activates Mexican Spanish, MXN and USD (with a rate for the company).
        """
        self.env['res.lang']._activate_lang(DEMO_LANG)
        company = self.env['res.company'].search([('name', '=', name)], limit=1)
        if not company:
            mxn = self.env.ref('base.MXN')
            mxn.active = True
            values = {
                'name': name,
                'country_id': self.env.ref('base.mx').id,
                'currency_id': mxn.id,
                'vat': make_rfc(company_rfc_letters(name), date(2008, 3, 14), 'K7'),
                'street': 'Av. Constitución 2050 Pte.',
                'street2': 'Col. Obispado',
                'city': 'Monterrey',
                'zip': '64060',
                'state_id': self.env.ref('base.state_mx_nl').id,
                'phone': '+528183456700',
                'email': 'cobranza@example.com.mx',
            }
            if 'iap_enrich_auto_done' in self.env['res.company']._fields:
                # partner_autocomplete would look the example domain up on Odoo's servers.
                values['iap_enrich_auto_done'] = True
            company = self.env['res.company'].create(values)
        if not company.chart_template:
            self.env['account.chart.template'].try_loading('mx', company, install_demo=False)
        self._ensure_usd(company, fields.Date.context_today(self))
        return company

    @api.model
    def _generate_portfolio(self, company, seed=42, n_debtors=300, n_invoices=1500, today=None):
        """Create the debtors and post the invoices of a generated portfolio in ``company``.

        ``today`` (default: the user's today) is the date the aging of the portfolio refers to.
        Returns a summary: counts, amounts in the company currency (total invoiced, still due),
        invoices per aging bucket, and the ids of what was created.
        """
        today = today or fields.Date.context_today(self)
        portfolio = generate_portfolio(seed, n_debtors, n_invoices, today)
        generator = self.with_company(company).with_context(**QUIET)
        partners = generator._create_debtors(portfolio['debtors'])
        documents = portfolio['invoices']
        currencies = {'MXN': company.currency_id}
        if any(document['currency'] == 'USD' for document in documents):
            oldest = min(document['invoice_date'] for document in documents)
            currencies['USD'] = generator._ensure_usd(company, oldest)
        moves = generator._create_invoices(company, documents, partners, currencies)
        generator._reconcile_credit_notes(documents, moves)
        payments = generator._register_partial_payments(documents, moves)

        invoices = moves.filtered(lambda move: move.move_type == 'out_invoice')
        credit_notes = moves - invoices
        buckets = Counter(document['bucket'] for document in documents if document['bucket'])
        return {
            'company': company.display_name,
            'currency': company.currency_id.name,
            'debtors': len(partners),
            'companies': len(partners.filtered('is_company')),
            'individuals': len(partners.filtered(lambda partner: not partner.is_company)),
            'invoices': len(invoices),
            'usd_invoices': len(invoices.filtered(lambda move: move.currency_id != company.currency_id)),
            'credit_notes': len(credit_notes),
            'partial_payments': len(payments),
            'amount_invoiced': company.currency_id.round(sum(invoices.mapped('amount_total_signed'))),
            'amount_credited': company.currency_id.round(-sum(credit_notes.mapped('amount_total_signed'))),
            'amount_due': company.currency_id.round(sum(invoices.mapped('amount_residual_signed'))),
            'buckets': {key: buckets[key] for key, *_days in AGING_BUCKETS if key in buckets},
            'partner_ids': partners.ids,
            'invoice_ids': invoices.ids,
            'credit_note_ids': credit_notes.ids,
            'payment_ids': payments.ids,
        }

    @api.model
    def _create_demo_users(self, company):
        """Three collectors and a supervisor of ``company``, in Spanish and Mexico City time.

        Existing users with the same logins are updated. Returns ``(users, passwords)``, the
        passwords by login (each the same as its login).
        """
        self.env['res.lang']._activate_lang(DEMO_LANG)
        Users = self.env['res.users'].with_context(active_test=False, **QUIET)
        users = Users.browse()
        passwords = {}
        for login, name, group_xmlids in DEMO_USERS:
            values = {
                'name': name,
                'login': login,
                'password': login,
                'email': f'{login}@example.com.mx',
                'lang': DEMO_LANG,
                'tz': DEMO_TZ,
                'company_id': company.id,
                'company_ids': [Command.set(company.ids)],
                'group_ids': [Command.set([self.env.ref(xmlid).id for xmlid in ('base.group_user', *group_xmlids)])],
                'active': True,
            }
            user = Users.search([('login', '=', login)], limit=1)
            if user:
                user.write(values)
            else:
                user = Users.create(values)
            users |= user
            passwords[login] = login
        return users, passwords

    @api.model
    def _generate_visits(self, company, collectors, today=None, seed=42, days_back=5, days_ahead=2, per_day=4):
        """A week of field visits of ``collectors`` around ``today``: done (with check-in, photo, result) or
        missed before today, planned and confirmed from today on, each day in route order.

        Each collector visits the debtors of their own collection accounts that have coordinates; their
        base is the first of them. Returns the visits. Already generated visits are kept as they are.
        """
        today = today or fields.Date.context_today(self)
        Visit = self.env['cobranza.visit'].with_company(company)
        if Visit.search_count([('company_id', '=', company.id)], limit=1):
            return Visit.search([('company_id', '=', company.id)])
        rng = random.Random(seed)
        visits = Visit.browse()
        for collector in collectors:
            pool = self._demo_visit_pool(company, collector)
            for offset, day_number in enumerate(range(-days_back, days_ahead + 1)):
                day = today + timedelta(days=day_number)
                chunk = pool[offset * per_day:(offset + 1) * per_day]
                if not chunk:
                    break
                day_visits = Visit.sudo()._schedule_for_accounts(
                    self.env['cobranza.account'].browse([a.id for a in chunk]), day, start_hour=9.0,
                    purpose="Visita de cobranza", collector=collector, max_days=7)
                visits |= day_visits
                if day_number < 0:
                    for visit in day_visits:
                        self._finish_demo_visit(visit, rng)
                elif day_number == 0:
                    day_visits[:per_day // 2].action_confirm()
        # The promises made at the door whose date has passed are settled as the morning cron would.
        visits.promise_id._update_state(today)
        return visits

    def _demo_visit_pool(self, company, collector):
        """The accounts ``collector`` visits, those of their largest city first; their base is the first one."""
        accounts = self.env['cobranza.account'].search([
            ('company_id', '=', company.id), ('collector_id', '=', collector.id), ('total_due', '>', 0),
            ('partner_id.partner_latitude', '!=', 0)], order='priority desc, id')
        if not accounts:
            return []
        first = accounts[0].partner_id
        collector.sudo().write({'cobranza_base_latitude': first.partner_latitude,
                                'cobranza_base_longitude': first.partner_longitude})
        # Visits of a day stay in one city: the route of a day is a few km, not a flight.
        city = max(accounts.grouped(lambda a: a.partner_id.city).values(), key=len)
        return list(city) + [account for account in accounts if account not in city]

    def _finish_demo_visit(self, visit, rng):
        """Check a past demo visit in near (or sometimes far from) its address and record a result."""
        visit = visit.sudo()
        if rng.random() < 0.1:
            visit.action_mark_missed()
            return
        if rng.random() < 0.08:
            visit.check_in(False, False, 0, _demo_photo(rng), no_gps_reason="Permiso de ubicación denegado")
        else:
            drift = 0.02 if rng.random() < 0.07 else 0.0008
            visit.check_in(visit.latitude + rng.uniform(-drift, drift), visit.longitude + rng.uniform(-drift, drift),
                           rng.choice([5.0, 8.0, 12.0, 25.0]), _demo_photo(rng))
        result = rng.choices(RESULTS, weights=RESULT_WEIGHTS)[0]
        promise = self._demo_visit_promise(visit, rng) if result == 'promise' else {}
        if result == 'promise' and not promise:
            result = 'refused'
        visit.record_result(result, note=NOTES[result], **promise)
        arrival = visit.planned_start + timedelta(minutes=rng.randint(0, 20))
        visit.write({'checkin_date': arrival if visit.checkin_date else False,
                     'done_date': arrival + timedelta(minutes=rng.randint(5, 20))})

    def _demo_visit_promise(self, visit, rng):
        """Amount and date of a promise made at ``visit`` inside its policy's limits, counted from the visit
        day (a share of the open invoices, in tens of pesos; 3 to 14 days later); empty when nothing is due."""
        debt = sum(visit.account_id.invoice_ids.filtered(lambda m: m.amount_residual > 0)
                   .mapped('amount_residual_signed'))
        policy = visit.account_id._cobranza_policy()
        smallest = debt * (policy.promise_min_percent or 0.0) / 100.0
        amount = max(10.0 * int(debt * rng.uniform(0.3, 0.9) / 10.0), visit.currency_id.round(smallest + 0.01))
        days = [day for day in (3, 7, 14) if day <= policy.promise_max_days] or [policy.promise_max_days]
        if debt <= 0 or amount > debt:
            return {}
        return {'promise_amount': amount, 'promise_date': visit.planned_date + timedelta(days=rng.choice(days))}

    # ------------------------------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------------------------------

    @api.model
    def _ensure_usd(self, company, rate_date):
        """USD, active, with a rate for ``company`` (``USD_MXN`` pesos per dollar) unless it has one."""
        usd = self.env.ref('base.USD')
        usd.active = True
        Rate = self.env['res.currency.rate']
        if usd != company.currency_id and not Rate.search_count(
                [('currency_id', '=', usd.id), ('company_id', '=', company.root_id.id)], limit=1):
            Rate.create({'currency_id': usd.id, 'company_id': company.root_id.id, 'name': rate_date,
                         'rate': 1 / USD_MXN})
        return usd

    @api.model
    def _sale_vat_16(self, company):
        """The 16 % VAT on sales of ``company``: its default sale tax when that is it, else the first found."""
        def is_vat_16(tax):
            return (tax.type_tax_use == 'sale' and tax.amount_type == 'percent' and tax.amount == 16.0
                    and not tax.price_include and not tax.include_base_amount)

        if is_vat_16(company.account_sale_tax_id):
            return company.account_sale_tax_id
        taxes = self.env['account.tax'].search([
            *self.env['account.tax']._check_company_domain(company),
            ('type_tax_use', '=', 'sale'),
            ('amount_type', '=', 'percent'),
            ('amount', '=', 16.0),
        ], order='sequence, id')
        tax = taxes.filtered(is_vat_16)[:1]
        if not tax:
            raise UserError(self.env._(
                "The company %(company)s has no 16%% VAT on sales: load the Mexican chart of accounts first.",
                company=company.display_name))
        return tax

    @api.model
    def _create_debtors(self, debtors):
        """The partners of the generated debtors, in their order."""
        Partner = self.env['res.partner']
        mexico = self.env.ref('base.mx')
        states = self.env['res.country.state'].search([('country_id', '=', mexico.id)])
        state_ids = {state.code: state.id for state in states}
        lang = DEMO_LANG if DEMO_LANG in dict(self.env['res.lang'].get_installed()) else False
        # partner_latitude/longitude belong to base since 19.0; older layouts had them in base_geolocalize.
        geolocated = 'partner_latitude' in Partner._fields
        vals_list = []
        for debtor in debtors:
            values = {
                'name': debtor['name'],
                'is_company': debtor['is_company'],
                'ref': debtor['ref'],
                'vat': debtor['vat'],
                'phone': debtor['phone'],
                'email': debtor['email'],
                'street': debtor['street'],
                'street2': debtor['street2'],
                'city': debtor['city'],
                'zip': debtor['zip'],
                'state_id': state_ids.get(debtor['state_code'], False),
                'country_id': mexico.id,
                'tz': debtor['tz'],
                'customer_rank': 1,
            }
            if lang:
                values['lang'] = lang
            if geolocated:
                values.update(partner_latitude=debtor['latitude'], partner_longitude=debtor['longitude'])
            vals_list.append(values)
        return Partner.create(vals_list)

    @api.model
    def _create_invoices(self, company, documents, partners, currencies):
        """Create and post the invoices, then the credit notes; the moves in the order of ``documents``."""
        Move = self.env['account.move']
        journal = self.env['account.journal'].search([
            *self.env['account.journal']._check_company_domain(company), ('type', '=', 'sale'),
        ], limit=1)
        tax = self._sale_vat_16(company)
        moves_by_index = {}
        # Credit notes come after their invoices: they refer to their names. By date, so that the
        # numbers of each year follow the calendar.
        for move_type in ('out_invoice', 'out_refund'):
            indexes = sorted((index for index, document in enumerate(documents) if document['move_type'] == move_type),
                             key=lambda index: (documents[index]['invoice_date'], index))
            for batch in split_every(BATCH_SIZE, indexes):
                vals_list = []
                for index in batch:
                    document = documents[index]
                    origin = moves_by_index.get(document['refund_of'])
                    vals_list.append({
                        'move_type': move_type,
                        'journal_id': journal.id,
                        'partner_id': partners[document['debtor']].id,
                        'currency_id': currencies[document['currency']].id,
                        'invoice_date': document['invoice_date'],
                        'invoice_date_due': document['due_date'],
                        'invoice_payment_term_id': False,
                        'reversed_entry_id': origin.id if origin else False,
                        'ref': self.env._("Credit on %s", origin.name) if origin else False,
                        'invoice_line_ids': [
                            Command.create({'name': line['name'], 'quantity': line['quantity'],
                                            'price_unit': line['price_unit'], 'tax_ids': [Command.set(tax.ids)]})
                            for line in document['lines']
                        ],
                    })
                batch_moves = Move.create(vals_list)
                batch_moves.action_post()
                moves_by_index.update(zip(batch, batch_moves, strict=True))
        return Move.union(*(moves_by_index[index] for index in range(len(documents))))

    @api.model
    def _reconcile_credit_notes(self, documents, moves):
        """Reconcile each credit note with the invoice it credits."""
        for index, document in enumerate(documents):
            if document['refund_of'] is None:
                continue
            pair = moves[index] | moves[document['refund_of']]
            pair.line_ids.filtered(
                lambda line: line.account_id.account_type == 'asset_receivable' and not line.reconciled
            ).reconcile()

    @api.model
    def _register_partial_payments(self, documents, moves):
        """Pay the generated fraction of the invoices that have one, with the payment wizard."""
        Register = self.env['account.payment.register']
        payments = self.env['account.payment']
        for index, document in enumerate(documents):
            if not document['payment_fraction']:
                continue
            invoice = moves[index]
            wizard = Register.with_context(active_model='account.move', active_ids=invoice.ids).create({
                'payment_date': document['payment_date'],
                'amount': invoice.currency_id.round(invoice.amount_total * document['payment_fraction']),
                'payment_difference_handling': 'open',
            })
            payments |= wizard._create_payments()
        return payments
