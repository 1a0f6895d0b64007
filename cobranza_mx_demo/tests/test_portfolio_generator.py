import random
import re
from collections import Counter
from datetime import date

import phonenumbers
import pytz
from odoo.exceptions import AccessDenied
from odoo.tests import tagged
from odoo.tests.common import TransactionCase
from stdnum.mx import rfc as stdnum_rfc

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.cobranza_mx_demo.tools.portfolio import (
    AGING_BUCKETS,
    CITIES,
    USD_MXN,
    aging_bucket_of,
    company_rfc_letters,
    generate_portfolio,
    is_valid_rfc,
    make_rfc,
    person_rfc_letters,
    rfc_check_digit,
)

TODAY = date(2026, 6, 15)
BUCKET_KEYS = {key for key, *_rest in AGING_BUCKETS}
E164_MX = re.compile(r'^\+52\d{10}$')


def _untaxed(document):
    return sum(line['quantity'] * line['price_unit'] for line in document['lines'])


@tagged('post_install', '-at_install')
class TestPortfolioTools(TransactionCase):
    """The pure portfolio generator and the RFC functions, without the ORM."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portfolio = generate_portfolio(42, 300, 1500, TODAY)
        cls.debtors = cls.portfolio['debtors']
        cls.invoices = cls.portfolio['invoices']

    def test_same_seed_same_portfolio(self):
        self.assertEqual(generate_portfolio(42, 300, 1500, TODAY), self.portfolio)
        other = generate_portfolio(43, 300, 1500, TODAY)
        self.assertNotEqual([d['vat'] for d in other['debtors']], [d['vat'] for d in self.debtors])
        self.assertNotEqual([i['lines'] for i in other['invoices']], [i['lines'] for i in self.invoices])
        # The dates follow ``today``, not the clock.
        later = generate_portfolio(42, 300, 1500, date(2027, 6, 15))
        self.assertEqual(later['debtors'][0]['vat'], self.debtors[0]['vat'])
        self.assertEqual((date(2027, 6, 15) - later['invoices'][0]['due_date']).days,
                         (TODAY - self.invoices[0]['due_date']).days)

    def test_rfc_check_digit_matches_sat_examples_and_stdnum(self):
        # Published RFCs (stdnum's and l10n_mx's examples).
        for rfc in ('GODE561231GR8', 'MAB9307148T4', 'ICV060329BY0', 'EKU9003173C9', 'IVD920810GU2'):
            self.assertEqual(rfc_check_digit(rfc[:-1]), rfc[-1], rfc)
            self.assertTrue(is_valid_rfc(rfc), rfc)
        self.assertFalse(is_valid_rfc('VACE460910SX6'))  # wrong check digit (stdnum's example)
        for debtor in self.debtors:
            self.assertEqual(rfc_check_digit(debtor['vat'][:-1]), stdnum_rfc.calc_check_digit(debtor['vat'][:-1]))

    def test_is_valid_rfc_refuses_malformed(self):
        rfc = make_rfc('GODE', date(1956, 12, 31), 'GR')
        self.assertEqual(rfc, 'GODE561231GR8')
        self.assertFalse(is_valid_rfc(rfc[:-1] + '9'))
        self.assertFalse(is_valid_rfc('GODE561331GR' + rfc_check_digit('GODE561331GR')))  # month 13
        self.assertFalse(is_valid_rfc('GODE560230GR' + rfc_check_digit('GODE560230GR')))  # 30 February
        self.assertFalse(is_valid_rfc('PUTO561231GR' + rfc_check_digit('PUTO561231GR')))  # forbidden word
        self.assertFalse(is_valid_rfc('GOD561231GR'))
        self.assertFalse(is_valid_rfc(None))
        self.assertTrue(is_valid_rfc('GODE000229GR' + rfc_check_digit('GODE000229GR')))

    def test_rfc_letters(self):
        self.assertEqual(person_rfc_letters('María Fernanda', 'López', 'Ruiz'), 'LORF')
        self.assertEqual(person_rfc_letters('José', 'De la Cruz', 'Peña'), 'CUPJ')
        self.assertEqual(person_rfc_letters('Ana', 'Núñez', ''), 'NUXA')
        self.assertEqual(person_rfc_letters('Tomás', 'Putón', 'Ortiz'), 'PUOT')
        self.assertEqual(person_rfc_letters('Olga', 'Pulido', 'Téllez'), 'PUTX')  # PUTO is not
        self.assertEqual(company_rfc_letters('Comercializadora Demo del Norte S.A. de C.V.'), 'CDN')
        self.assertEqual(company_rfc_letters('Transportes del Bajío S. de R.L. de C.V.'), 'TBA')
        self.assertEqual(company_rfc_letters('Farmacias S.A.'), 'FAR')

    def test_debtors_have_valid_rfc_phone_email(self):
        self.assertEqual(len(self.debtors), 300)
        share = sum(debtor['is_company'] for debtor in self.debtors) / len(self.debtors)
        self.assertTrue(0.3 < share < 0.5, share)
        for debtor in self.debtors:
            vat = debtor['vat']
            self.assertEqual(len(vat), 12 if debtor['is_company'] else 13, debtor)
            self.assertTrue(is_valid_rfc(vat), vat)
            self.assertTrue(stdnum_rfc.is_valid(vat, validate_check_digits=True), vat)
            self.assertRegex(debtor['phone'], E164_MX)
            number = phonenumbers.parse(debtor['phone'])
            self.assertTrue(phonenumbers.is_valid_number(number), debtor['phone'])
            self.assertEqual(phonenumbers.region_code_for_number(number), 'MX')
            self.assertEqual(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), debtor['phone'])
            self.assertRegex(debtor['email'], r'^[a-z0-9.]+@example\.(com\.mx|com|net|org)$')
        for key in ('vat', 'phone', 'email', 'ref'):
            self.assertEqual(len({debtor[key] for debtor in self.debtors}), len(self.debtors), key)

    def test_addresses_cover_the_zones(self):
        states = self.env['res.country.state'].search([('country_id.code', '=', 'MX')])
        state_codes = set(states.mapped('code'))
        city_zips = {city['city']: {zip_code for _colonia, zip_code in city['colonias']} for city in CITIES}
        for debtor in self.debtors:
            self.assertIn(debtor['state_code'], state_codes)
            self.assertIn(debtor['tz'], pytz.all_timezones_set)
            self.assertIn(debtor['zip'], city_zips[debtor['city']])
            self.assertTrue(14.5 < debtor['latitude'] < 32.8 and -118.5 < debtor['longitude'] < -86.5, debtor)
        self.assertEqual({debtor['city'] for debtor in self.debtors}, set(city_zips))
        self.assertLessEqual({
            'America/Tijuana', 'America/Cancun', 'America/Hermosillo', 'America/Mexico_City', 'America/Chihuahua',
            'America/Mazatlan'}, {debtor['tz'] for debtor in self.debtors})

    def test_invoices_cover_every_bucket(self):
        regular = [invoice for invoice in self.invoices if invoice['move_type'] == 'out_invoice']
        for invoice in regular:
            self.assertEqual(aging_bucket_of((TODAY - invoice['due_date']).days), invoice['bucket'])
            self.assertLessEqual(invoice['invoice_date'], TODAY)
            self.assertLessEqual(invoice['invoice_date'], invoice['due_date'])
            self.assertTrue(1 <= len(invoice['lines']) <= 3)
        self.assertEqual({invoice['bucket'] for invoice in regular}, BUCKET_KEYS)
        # Even a tiny portfolio has each bucket: 7 invoices and a credit note.
        tiny = [invoice for invoice in generate_portfolio(5, 3, 8, TODAY)['invoices']
                if invoice['move_type'] == 'out_invoice']
        self.assertEqual(len(tiny), 7)
        self.assertEqual({aging_bucket_of((TODAY - invoice['due_date']).days) for invoice in tiny}, BUCKET_KEYS)

    def test_invoice_amounts_currencies_payments(self):
        regular = [invoice for invoice in self.invoices if invoice['move_type'] == 'out_invoice']
        amounts = [_untaxed(invoice) for invoice in regular if invoice['currency'] == 'MXN']
        self.assertGreaterEqual(min(amounts), 100)
        self.assertLessEqual(max(amounts), 450000)
        self.assertGreater(max(amounts), 100000)
        currencies = Counter(invoice['currency'] for invoice in regular)
        self.assertEqual(set(currencies), {'MXN', 'USD'})
        self.assertTrue(0.02 <= currencies['USD'] / len(regular) <= 0.04, currencies)
        paid = [invoice for invoice in regular if invoice['payment_fraction']]
        self.assertTrue(0.08 <= len(paid) / len(regular) <= 0.12, len(paid))
        for invoice in paid:
            self.assertTrue(0 < invoice['payment_fraction'] < 1)
            self.assertTrue(invoice['invoice_date'] <= invoice['payment_date'] <= TODAY)

    def test_credit_notes_credit_an_earlier_invoice_of_the_debtor(self):
        refunds = [(index, invoice) for index, invoice in enumerate(self.invoices)
                   if invoice['move_type'] == 'out_refund']
        self.assertEqual(len(refunds), 30)  # 2 % of 1,500
        for index, refund in refunds:
            origin = self.invoices[refund['refund_of']]
            self.assertLess(refund['refund_of'], index)
            self.assertEqual(origin['move_type'], 'out_invoice')
            self.assertEqual(refund['debtor'], origin['debtor'])
            self.assertIsNone(origin['payment_fraction'])
            self.assertLess(_untaxed(refund), _untaxed(origin))
            self.assertTrue(origin['invoice_date'] <= refund['invoice_date'] <= TODAY)
        self.assertEqual(len({refund['refund_of'] for _index, refund in refunds}), len(refunds))


@tagged('post_install', '-at_install')
class TestPortfolioGenerator(AccountTestInvoicingCommon):
    """The portfolio turned into partners, posted invoices, credit notes and payments."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country('mx')
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data['company']
        cls.generator = cls.env['cobranza.portfolio.generator']
        cls.documents = generate_portfolio(3, 12, 40, TODAY)['invoices']
        cls.summary = cls.generator._generate_portfolio(cls.company, seed=3, n_debtors=12, n_invoices=40,
                                                        today=TODAY)
        cls.partners = cls.env['res.partner'].browse(cls.summary['partner_ids'])
        cls.invoices = cls.env['account.move'].browse(cls.summary['invoice_ids'])
        cls.credit_notes = cls.env['account.move'].browse(cls.summary['credit_note_ids'])
        cls.moves = cls.invoices | cls.credit_notes  # same order as the documents

    def test_summary(self):
        self.assertEqual(self.summary['debtors'], 12)
        self.assertEqual(self.summary['invoices'] + self.summary['credit_notes'], 40)
        self.assertEqual(self.summary['credit_notes'], 1)
        self.assertEqual(self.summary['partial_payments'], 4)
        self.assertEqual(self.summary['usd_invoices'], 1)
        self.assertEqual(set(self.summary['buckets']), BUCKET_KEYS)
        self.assertAlmostEqual(self.summary['amount_invoiced'], sum(self.invoices.mapped('amount_total_signed')),
                               places=2)
        self.assertLess(self.summary['amount_due'], self.summary['amount_invoiced'])

    def test_invoices_posted_with_16_percent_vat(self):
        self.assertEqual(self.moves.mapped('move_type'), [document['move_type'] for document in self.documents])
        for move, document in zip(self.moves, self.documents, strict=True):
            self.assertEqual(move.state, 'posted')
            self.assertEqual(move.company_id, self.company)
            self.assertEqual(move.invoice_date, document['invoice_date'])
            self.assertEqual(move.invoice_date_due, document['due_date'])
            currency = move.currency_id
            self.assertEqual(currency.compare_amounts(move.amount_untaxed, _untaxed(document)), 0, move.name)
            self.assertEqual(currency.compare_amounts(move.amount_tax, currency.round(move.amount_untaxed * 0.16)), 0,
                             move.name)
            self.assertGreater(move.amount_tax, 0)
            taxes = move.invoice_line_ids.tax_ids
            self.assertEqual((taxes.amount, taxes.type_tax_use), (16.0, 'sale'))
        self.assertEqual({aging_bucket_of((TODAY - move.invoice_date_due).days) for move in self.invoices},
                         BUCKET_KEYS)

    def test_partial_payments(self):
        paid = [(move, document) for move, document in zip(self.moves, self.documents, strict=True)
                if document['payment_fraction']]
        self.assertEqual(len(paid), 4)
        for move, document in paid:
            self.assertEqual(move.payment_state, 'partial', move.name)
            amount = move.currency_id.round(move.amount_total * document['payment_fraction'])
            self.assertEqual(move.currency_id.compare_amounts(move.amount_residual, move.amount_total - amount), 0)

    def test_credit_note_reconciled_with_its_invoice(self):
        credit_note = self.credit_notes
        self.assertEqual(len(credit_note), 1)
        origin = credit_note.reversed_entry_id
        self.assertIn(origin, self.invoices)
        self.assertEqual(credit_note.state, 'posted')
        self.assertEqual(credit_note.partner_id, origin.partner_id)
        self.assertTrue(credit_note.currency_id.is_zero(credit_note.amount_residual))
        self.assertEqual(origin.currency_id.compare_amounts(
            origin.amount_residual, origin.amount_total - credit_note.amount_total), 0)
        self.assertEqual(origin.payment_state, 'partial')
        self.assertLess(credit_note.amount_total, origin.amount_total)
        # The other invoices are open in full.
        untouched = self.invoices.filtered(lambda move: move != origin and move.payment_state != 'partial')
        self.assertTrue(untouched)
        for move in untouched:
            self.assertEqual(move.payment_state, 'not_paid')
            self.assertEqual(move.currency_id.compare_amounts(move.amount_residual, move.amount_total), 0)

    def test_usd_invoice(self):
        usd = self.env.ref('base.USD')
        usd_invoices = self.invoices.filtered(lambda move: move.currency_id == usd)
        self.assertEqual(len(usd_invoices), 1)
        self.assertEqual(self.company.currency_id.name, 'MXN')
        # Each journal item is converted and rounded on its own: a cent each at most.
        self.assertAlmostEqual(usd_invoices.amount_total_signed, usd_invoices.amount_total * USD_MXN,
                               delta=0.01 * len(usd_invoices.line_ids))

    def test_partners(self):
        self.assertEqual(len(self.partners), 12)
        mexico = self.env.ref('base.mx')
        for partner in self.partners:
            self.assertEqual(partner.country_id, mexico)
            self.assertTrue(is_valid_rfc(partner.vat), partner.vat)
            self.assertTrue(stdnum_rfc.is_valid(partner.vat, validate_check_digits=True), partner.vat)
            self.assertEqual(len(partner.vat), 12 if partner.is_company else 13)
            self.assertRegex(partner.phone, E164_MX)
            self.assertTrue(phonenumbers.is_valid_number(phonenumbers.parse(partner.phone)), partner.phone)
            self.assertTrue(partner.state_id, partner.name)
            self.assertEqual(partner.state_id.country_id, mexico)
            self.assertIn(partner.tz, pytz.all_timezones_set)
            self.assertTrue(partner.email.endswith(('example.com.mx', 'example.com', 'example.net', 'example.org')))
            self.assertTrue(partner.partner_latitude and partner.partner_longitude)
        self.assertTrue(self.partners.filtered('is_company'))
        self.assertTrue(self.partners.filtered(lambda partner: not partner.is_company))
        self.assertEqual(set(self.invoices.partner_id.ids) | set(self.credit_notes.partner_id.ids),
                         set(self.partners.ids))

    def test_demo_users(self):
        users, passwords = self.generator._create_demo_users(self.company)
        self.assertEqual(users.mapped('login'), ['collector1', 'collector2', 'collector3', 'supervisor'])
        collector_group = self.env.ref('cobranza_mx.group_cobranza_collector')
        supervisor_group = self.env.ref('cobranza_mx.group_cobranza_supervisor')
        invoicing_group = self.env.ref('account.group_account_invoice')
        collectors, supervisor = users[:3], users[3]
        for user in users:
            self.assertEqual((user.lang, user.tz, user.company_id, user.company_ids),
                             ('es_MX', 'America/Mexico_City', self.company, self.company))
            self.assertIn(collector_group, user.all_group_ids)
            self.assertFalse(user.share)
            auth = self.env['res.users'].with_user(user)._check_credentials(
                {'type': 'password', 'password': passwords[user.login]}, {'interactive': True})
            self.assertEqual(auth['uid'], user.id)
            with self.assertRaises(AccessDenied):
                self.env['res.users'].with_user(user)._check_credentials(
                    {'type': 'password', 'password': 'wrong'}, {'interactive': True})
        self.assertEqual(passwords['supervisor'], 'supervisor')
        for user in collectors:
            self.assertNotIn(supervisor_group, user.all_group_ids)
            self.assertNotIn(invoicing_group, user.all_group_ids)
        self.assertIn(supervisor_group, supervisor.all_group_ids)
        self.assertIn(invoicing_group, supervisor.all_group_ids)
        # A second call updates the same users.
        again, _passwords = self.generator._create_demo_users(self.company)
        self.assertEqual(again, users)

    def test_setup_mexican_company(self):
        company = self.generator._setup_mexican_company(name='Distribuidora Prueba del Sur S.A. de C.V.')
        self.assertEqual(company.country_id.code, 'MX')
        self.assertEqual(company.currency_id.name, 'MXN')
        self.assertEqual(company.chart_template, 'mx')
        self.assertEqual(company.state_id.code, 'NLE')
        self.assertTrue(is_valid_rfc(company.vat) and len(company.vat) == 12, company.vat)
        self.assertTrue(self.env['res.lang'].search([('code', '=', 'es_MX')]).active)
        usd = self.env.ref('base.USD')
        self.assertTrue(usd.active)
        self.assertAlmostEqual(usd.with_company(company).with_context(date=TODAY).inverse_rate, USD_MXN, places=4)
        self.assertEqual(self.generator._sale_vat_16(company).amount, 16.0)
        self.assertEqual(self.generator._setup_mexican_company(name='Distribuidora Prueba del Sur S.A. de C.V.'),
                         company)

    def test_demo_visits(self):
        """A week of visits of the demo collectors: done ones with check-in, photo, result and contact log."""
        users, _passwords = self.generator._create_demo_users(self.company)
        collectors = users[:3]
        self.env['cobranza.run']._run_for_company(self.company, run_date=TODAY)
        accounts = self.env['cobranza.account'].sudo().search([('company_id', '=', self.company.id)])
        for index, account in enumerate(accounts):
            account.collector_id = collectors[index % 3]
        generator = self.generator.sudo()
        visits = generator._generate_visits(self.company, collectors, today=TODAY, seed=5, days_back=1, days_ahead=1,
                                             per_day=1)
        self.assertTrue(visits)
        self.assertEqual(set(visits.collector_id.ids), set(collectors.ids))
        days = set(visits.mapped('planned_date'))
        self.assertTrue(min(days) < TODAY <= max(days))
        past = visits.filtered(lambda visit: visit.planned_date < TODAY)
        self.assertTrue(past and all(visit.state in ('done', 'missed') for visit in past))
        done = past.filtered(lambda visit: visit.state == 'done')
        self.assertTrue(done)
        for visit in done:
            self.assertTrue(visit.result and visit.photo)
            self.assertTrue(visit.checkin_located or visit.flag_no_gps)
            self.assertEqual(visit.contact_log_ids.channel, 'visit')
        self.assertTrue(all(visit.state in ('planned', 'confirmed') for visit in visits - past))
        self.assertTrue(all(visit.route_sequence >= 1 for visit in visits - visits.filtered(
            lambda v: v.state in ('missed', 'cancelled'))))
        for visit in done.filtered(lambda v: v.result == 'promise'):
            self.assertEqual((visit.promise_id.amount, visit.promise_id.channel), (visit.promise_amount, 'visit'))
        # The promises the generator makes at the door are inside the policy's limits.
        visit = (visits - past)[:1]
        values = generator._demo_visit_promise(visit, random.Random(3))
        visit.record_result('promise', note='Promesa de prueba', **values)
        self.assertEqual((visit.promise_id.amount, visit.promise_id.date, visit.promise_id.state),
                         (values['promise_amount'], values['promise_date'], 'open'))
        self.assertLessEqual(visit.promise_id.amount, visit.promise_id.residual_at_promise)
        # Built once: a second call keeps them.
        self.assertEqual(generator._generate_visits(self.company, collectors, today=TODAY), visits)
