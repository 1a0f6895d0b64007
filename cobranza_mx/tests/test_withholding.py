import base64
from datetime import date

from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..tools import cfdi_retenciones
from .common import CobranzaCommon


class WithholdingCommon(CobranzaCommon):
    """The Mexican company with its sale-side withholding taxes, services invoices and the payment wizard."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Tax = cls.env['account.tax']
        cls.wh_taxes = cls.Tax._cobranza_ensure_sale_withholdings(cls.company)[cls.company.id]
        cls.iva_16 = cls.company.account_sale_tax_id
        cls.isr_account = cls.Tax._cobranza_withholding_account(cls.company, 'isr')
        cls.iva_account = cls.Tax._cobranza_withholding_account(cls.company, 'iva')
        cls.bank_journal = cls.company_data['default_journal_bank']
        cls.pay_date = date(2026, 6, 20)

    @classmethod
    def _services_invoice(cls, partner, amount=10000.0, taxes=None, currency=None, invoice_date=date(2026, 6, 1)):
        move = cls.env['account.move'].create({
            'move_type': 'out_invoice',
            'partner_id': partner.id,
            'invoice_date': invoice_date,
            'currency_id': (currency or cls.company.currency_id).id,
            'invoice_line_ids': [Command.create({
                'name': 'Servicios profesionales de consultoría', 'quantity': 1, 'price_unit': amount,
                'tax_ids': [Command.set((taxes if taxes is not None else cls.iva_16).ids)]})],
        })
        move.action_post()
        return move

    def _wizard(self, moves, amount, currency=None, **vals):
        return self.env['cobranza.payment.wizard'].create({
            'move_ids': [Command.set(moves.ids)], 'company_id': self.company.id, 'journal_id': self.bank_journal.id,
            'date': self.pay_date, 'amount': amount, 'currency_id': (currency or self.company.currency_id).id,
            **vals,
        })

    def _writeoffs(self, payment):
        lines = payment.move_id.line_ids.filtered(
            lambda line: line.account_id in (self.isr_account | self.iva_account))
        return {(line.account_id, round(line.balance, 2)) for line in lines}



@tagged('post_install', '-at_install')
class TestWithholding(WithholdingCommon):
    """Sale-side withholding taxes, and short collection payments explained by withholdings and closed."""

    # Taxes -------------------------------------------------------------------------------------------------

    def test_sale_withholding_taxes_created_once(self):
        taxes = self.wh_taxes
        self.assertEqual(set(taxes), {'isr_10', 'isr_1_25', 'iva_2_3', 'iva_4'})
        self.assertEqual({code: tax.amount for code, tax in taxes.items()},
                         {'isr_10': -10.0, 'isr_1_25': -1.25, 'iva_2_3': -10.6667, 'iva_4': -4.0})
        for code, tax in taxes.items():
            with self.subTest(code=code):
                self.assertTrue(tax.active)
                self.assertEqual(tax.type_tax_use, 'sale')
                self.assertEqual(tax.company_id, self.company)
                self.assertEqual(tax.cobranza_withholding_code, code)
                self.assertEqual(tax.l10n_mx_tax_type, code[:3])
                account = tax.invoice_repartition_line_ids.filtered(lambda r: r.repartition_type == 'tax').account_id
                self.assertEqual(account, self.isr_account if code.startswith('isr') else self.iva_account)
        # l10n_mx's own inactive 1.25 % sale tax is the one reused, not duplicated.
        self.assertEqual(taxes['isr_1_25'], self.env.ref(f'account.{self.company.id}_mx_wh_1_25_sale'))
        self.assertEqual(taxes['isr_10'].tax_group_id, self.env.ref(f'account.{self.company.id}_tax_group_isr_ret_10'))
        self.assertEqual(taxes['iva_2_3'].tax_group_id,
                         self.env.ref(f'account.{self.company.id}_tax_group_iva_ret_1067'))
        self.assertEqual(taxes['iva_4'].tax_group_id, self.env.ref(f'account.{self.company.id}_tax_group_iva_ret_4'))
        # The IVA ones are cash basis, like l10n_mx's purchase withholdings; the ISR ones on invoice.
        self.assertEqual(taxes['iva_2_3'].tax_exigibility, 'on_payment')
        self.assertTrue(taxes['iva_2_3'].cash_basis_transition_account_id.reconcile)
        self.assertEqual(taxes['isr_10'].tax_exigibility, 'on_invoice')
        self.assertEqual(self.isr_account, self.env.ref(f'account.{self.company.id}_cuenta113_02_02'))
        # Idempotent: running it again creates nothing.
        count = self.Tax.with_context(active_test=False).search_count([('company_id', '=', self.company.id)])
        again = self.Tax._cobranza_ensure_sale_withholdings()[self.company.id]
        self.assertEqual(again, taxes)
        self.assertEqual(self.Tax.with_context(active_test=False).search_count(
            [('company_id', '=', self.company.id)]), count)

    def test_new_mexican_company_gets_the_taxes(self):
        company = self.env['res.company'].create({'name': 'Nueva Empresa MX', 'country_id': self.env.ref('base.mx').id})
        self.env['account.chart.template'].try_loading('mx', company=company, install_demo=False)
        codes = self.Tax.search([('company_id', '=', company.id), ('cobranza_withholding_code', '!=', False)])
        self.assertEqual(sorted(codes.mapped('cobranza_withholding_code')), ['isr_10', 'isr_1_25', 'iva_2_3', 'iva_4'])

    def test_invoice_with_withholding_taxes(self):
        invoice = self._services_invoice(self.customer_a, taxes=self.iva_16 | self.wh_taxes['isr_10']
                                         | self.wh_taxes['iva_2_3'])
        self.assertAlmostEqual(invoice.amount_total, 11600 - 1000 - 1066.67, places=2)
        # Paid at its net total: no difference, and its withholdings are recorded as expected.
        wizard = self._wizard(invoice, invoice.amount_total)
        self.assertEqual(wizard.difference, 0)
        wizard.action_confirm()
        self.assertEqual(invoice.payment_state, 'paid')
        rows = self.env['cobranza.withholding'].search([('move_id', '=', invoice.id)])
        self.assertEqual({(r.code, round(r.amount, 2), r.source, r.state) for r in rows},
                         {('isr_10', 1000.0, 'invoice', 'expected'), ('iva_2_3', 1066.67, 'invoice', 'expected')})

    # Short payments ------------------------------------------------------------------------------------------

    def test_short_payment_services_isr_and_iva(self):
        invoice = self._services_invoice(self.customer_a)
        wizard = self._wizard(invoice, 11600 - 1000 - 1066.67)
        self.assertAlmostEqual(wizard.difference, 2066.67)
        wizard.action_propose()
        self.assertEqual(wizard.status, 'unique')
        self.assertTrue(wizard.proposal_id)
        action = wizard.action_confirm()
        payment = self.env['account.payment'].browse(action['res_id'])
        self.assertEqual(invoice.payment_state, 'paid')
        self.assertEqual(self._writeoffs(payment), {(self.isr_account, 1000.0), (self.iva_account, 1066.67)})
        rows = self.env['cobranza.withholding'].search([('payment_id', '=', payment.id)])
        self.assertEqual({(r.code, r.amount, r.base, r.period, r.partner_id) for r in rows},
                         {('isr_10', 1000.0, 10000.0, '2026-06', self.customer_a),
                          ('iva_2_3', 1066.67, 10000.0, '2026-06', self.customer_a)})

    def test_short_payment_resico(self):
        invoice = self._services_invoice(self.customer_b, amount=8000.0)
        wizard = self._wizard(invoice, 9280 - 100)
        wizard.action_propose()
        self.assertEqual(wizard.status, 'unique')
        payment = self.env['account.payment'].browse(wizard.action_confirm()['res_id'])
        self.assertEqual(invoice.payment_state, 'paid')
        self.assertEqual(self._writeoffs(payment), {(self.isr_account, 100.0)})

    def test_short_payment_freight(self):
        invoice = self._services_invoice(self.customer_c, amount=25000.0)
        wizard = self._wizard(invoice, 29000 - 1000)
        wizard.action_propose()
        self.assertEqual(wizard.status, 'unique')
        self.assertEqual(wizard.proposal_id.line_data[0]['code'], 'iva_4')
        payment = self.env['account.payment'].browse(wizard.action_confirm()['res_id'])
        self.assertEqual(invoice.payment_state, 'paid')
        self.assertEqual(self._writeoffs(payment), {(self.iva_account, 1000.0)})

    def test_usd_invoice_paid_in_mxn(self):
        usd = self.setup_other_currency('USD', rates=[('2026-01-01', 0.05), ('2026-06-15', 0.04)])
        invoice = self._services_invoice(self.customer_a, amount=1000.0, currency=usd)
        # 1,160 USD at 25 MXN on the payment date: 29,000 due; base 25,000; ISR 2,500 + IVA 2,666.68.
        wizard = self._wizard(invoice, 29000 - 2500 - 2666.68)
        self.assertAlmostEqual(wizard.amount_due, 29000.0)
        wizard.action_propose()
        self.assertEqual(wizard.status, 'unique')
        payment = self.env['account.payment'].browse(wizard.action_confirm()['res_id'])
        self.assertEqual(payment.currency_id, self.company.currency_id)
        self.assertEqual(invoice.payment_state, 'paid')
        self.assertEqual(self._writeoffs(payment), {(self.isr_account, 2500.0), (self.iva_account, 2666.68)})

    def test_ambiguous_difference_needs_a_choice(self):
        invoice_1 = self._services_invoice(self.customer_a, amount=1000.0)
        invoice_2 = self._services_invoice(self.customer_a, amount=1000.0)
        wizard = self._wizard(invoice_1 | invoice_2, 2320 - 100)
        wizard.action_propose()
        self.assertEqual(wizard.status, 'ambiguous')
        self.assertFalse(wizard.proposal_id)
        self.assertGreaterEqual(len(wizard.proposal_ids), 2)
        with self.assertRaises(UserError):
            wizard.action_confirm()
        self.assertEqual(invoice_1.payment_state, 'not_paid')
        wizard.proposal_ids[0].action_choose()
        wizard.action_confirm()
        self.assertEqual((invoice_1 | invoice_2).mapped('payment_state'), ['paid', 'paid'])

    def test_unexplained_difference_stays_open(self):
        invoice = self._services_invoice(self.customer_a)
        wizard = self._wizard(invoice, 11000.0)
        wizard.action_propose()
        self.assertEqual(wizard.status, 'unexplained')
        wizard.action_confirm()
        self.assertEqual(invoice.payment_state, 'partial')
        self.assertAlmostEqual(invoice.amount_residual, 600.0)
        self.assertFalse(self.env['cobranza.withholding'].search([('move_id', '=', invoice.id)]))

    def test_unexplained_difference_written_off_only_by_an_administrator(self):
        invoice = self._services_invoice(self.customer_a)
        writeoff_account = self.company_data['default_account_expense']
        vals = {'difference_handling': 'writeoff', 'writeoff_account_id': writeoff_account.id}
        wizard = self._wizard(invoice, 11000.0, **vals).with_user(self.supervisor)
        wizard.action_propose()
        with self.assertRaises(AccessError):
            wizard.action_confirm()
        self.assertEqual(invoice.payment_state, 'not_paid')
        wizard = self._wizard(invoice, 11000.0, **vals)
        wizard.action_propose()
        payment = self.env['account.payment'].browse(wizard.action_confirm()['res_id'])
        self.assertEqual(invoice.payment_state, 'paid')
        self.assertEqual(payment.move_id.line_ids.filtered(lambda line: line.account_id == writeoff_account).balance,
                         600.0)

    def test_supervisor_registers_collector_cannot(self):
        invoice = self._services_invoice(self.customer_a)
        wizard = self._wizard(invoice, 11600 - 2066.67)
        with self.assertRaises(AccessError):
            wizard.with_user(self.collector_1).action_propose()
        supervisor_wizard = wizard.with_user(self.supervisor)
        supervisor_wizard.action_propose()
        supervisor_wizard.action_confirm()
        self.assertEqual(invoice.payment_state, 'paid')
        # The customer's collector reads the withholding status, and changes nothing; another collector sees none.
        account_id = self.env['cobranza.account']._ensure_accounts(self.company, self.customer_a.ids)[
            self.customer_a.id]
        self.env['cobranza.account'].browse(account_id).collector_id = self.collector_1
        rows = self.env['cobranza.withholding'].with_user(self.collector_1).search([('move_id', '=', invoice.id)])
        self.assertEqual(rows.mapped('state'), ['expected', 'expected'])
        self.assertFalse(self.env['cobranza.withholding'].with_user(self.collector_2).search(
            [('move_id', '=', invoice.id)]))
        with self.assertRaises(AccessError):
            rows.write({'amount': 1})


@tagged('post_install', '-at_install')
class TestWithholdingCertificate(WithholdingCommon):
    """CFDI de Retenciones 2.0 uploaded, validated and matched with the expected withholdings."""

    UUID = '5FB2822E-396D-4725-8521-CDC4BDD20CCF'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.vat = 'EKU9003173C9'
        cls.customer_a.vat = 'AAA010101AAA'
        cls.customer_a.email = 'pagos@laesperanza.example.com'
        cls.Certificate = cls.env['cobranza.withholding.certificate']

    def _xml(self, **kwargs):
        values = {'uuid': self.UUID, 'issuer_rfc': 'AAA010101AAA', 'receiver_rfc': 'EKU9003173C9', 'year': 2026,
                  'month_from': 6, 'month_to': 6, 'total_operation': 10000,
                  'taxes': [('isr', 10000, 1000), ('iva', 1600, 1066.67)]}
        values.update(kwargs)
        return base64.b64encode(cfdi_retenciones.build(**values))

    def _short_payment(self):
        invoice = self._services_invoice(self.customer_a)
        wizard = self._wizard(invoice, 11600 - 2066.67)
        wizard.action_propose()
        wizard.action_confirm()
        return invoice

    def test_expected_then_matched(self):
        invoice = self._short_payment()
        cert = self.Certificate.search([('partner_id', '=', self.customer_a.id)])
        self.assertEqual(len(cert), 1)
        self.assertEqual((cert.state, cert.period, cert.expected_isr, cert.expected_iva),
                         ('expected', '2026-06', 1000.0, 1066.67))
        self.assertEqual(cert.withholding_ids.move_id, invoice)
        # Upload on the expected certificate: matched.
        cert.write({'xml_file': self._xml(), 'xml_filename': 'retenciones.xml'})
        self.assertEqual((cert.state, cert.uuid, cert.isr_amount, cert.iva_amount),
                         ('matched', self.UUID, 1000.0, 1066.67))
        self.assertEqual(cert.withholding_ids.mapped('state'), ['matched', 'matched'])

    def test_new_upload_takes_over_the_expected_one(self):
        self._short_payment()
        placeholder = self.Certificate.search([('partner_id', '=', self.customer_a.id)])
        cert = self.Certificate.create({'xml_file': self._xml(taxes=[('isr', 10000, 1000)])})
        self.assertEqual(cert.partner_id, self.customer_a)
        self.assertFalse(placeholder.exists())
        self.assertEqual(cert.state, 'difference')
        self.assertAlmostEqual(cert.difference_amount, -1066.67)

    def test_received_without_expected(self):
        cert = self.Certificate.create({'xml_file': self._xml(month_from=3, month_to=3)})
        self.assertEqual((cert.state, cert.period), ('received', '2026-03'))

    def _assert_rejected(self, pattern, vals):
        count = self.Certificate.search_count([])
        with self.assertRaisesRegex(ValidationError, pattern), self.env.cr.savepoint():
            self.Certificate.create(vals)
        self.assertEqual(self.Certificate.search_count([]), count)

    def test_malformed_and_other_namespace(self):
        self._assert_rejected('well-formed XML', {'xml_file': base64.b64encode(b'<retenciones:Retenciones')})
        other = cfdi_retenciones.build(uuid=self.UUID, issuer_rfc='AAA010101AAA', receiver_rfc='EKU9003173C9',
                                       year=2026, month_from=6, month_to=6, total_operation=1, taxes=[])
        other = other.replace(b'retencionpago/2', b'retencionpago/1')
        self._assert_rejected('namespace', {'xml_file': base64.b64encode(other)})
        self._assert_rejected('MontoTotRet', {'xml_file': self._xml(total_withheld=5)})

    def test_wrong_rfc(self):
        self._assert_rejected('RfcR', {'xml_file': self._xml(receiver_rfc='XEXX010101000')})
        self._assert_rejected('RfcE', {'xml_file': self._xml(issuer_rfc='BBB010101BBB')})
        self._assert_rejected('RfcE', {'xml_file': self._xml(), 'partner_id': self.customer_b.id})

    def test_duplicate_uuid(self):
        self.Certificate.create({'xml_file': self._xml()})
        self._assert_rejected('already uploaded', {'xml_file': self._xml(month_from=7, month_to=7)})

    def test_missing_reminder_logged_and_exported(self):
        self._short_payment()
        cert = self.Certificate.search([('partner_id', '=', self.customer_a.id)])
        # Through the reminder engine: queued by the button, e-mailed and logged by the reminders' cron.
        with freeze_time('2026-07-06 17:00:00'):
            reminder = cert.with_user(self.supervisor).action_send_reminder().sudo()
        self.assertEqual((reminder.channel, reminder.state, reminder.partner_id),
                         ('email', 'scheduled', self.customer_a))
        with freeze_time('2026-07-06 17:01:00'), self.enter_registry_test_mode():
            self.env.ref('cobranza_mx.ir_cron_cobranza_reminders').method_direct_trigger()
        logs = reminder.log_ids
        self.assertEqual(len(logs), 1)
        self.assertEqual((logs.channel, logs.result, logs.partner_id, logs.recipient),
                         ('email', 'queued', self.customer_a, 'pagos@laesperanza.example.com'))
        self.assertIn('2026-06', logs.body)
        self.assertIn('CFDI de Retenciones', reminder.mail_id.subject)
        self.assertEqual(reminder.mail_id.email_to, 'pagos@laesperanza.example.com')
        action = cert.action_export_xlsx()
        attachment = self.env['ir.attachment'].browse(int(action['url'].split('/')[3].split('?')[0]))
        self.assertEqual(attachment.raw[:2], b'PK')
        # The customer's collector reads the status only.
        account_id = self.env['cobranza.account']._ensure_accounts(self.company, self.customer_a.ids)[
            self.customer_a.id]
        self.env['cobranza.account'].browse(account_id).collector_id = self.collector_1
        self.assertEqual(cert.with_user(self.collector_1).state, 'expected')
        with self.assertRaises(AccessError):
            cert.with_user(self.collector_1).write({'month_to': 7})


@tagged('post_install', '-at_install')
class TestBankMatching(WithholdingCommon):
    """Unreconciled bank statement lines matched with open invoices and reconciled through the statement line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a.vat = 'AAA010101AAA'
        cls.Match = cls.env['cobranza.bank.match']

    def _bank_line(self, label, amount, partner=None):
        return self.env['account.bank.statement.line'].create({
            'journal_id': self.bank_journal.id, 'date': self.pay_date, 'payment_ref': label, 'amount': amount,
            'partner_id': partner.id if partner else False,
        })

    def test_matched_by_reference_and_reconciled(self):
        invoice = self._services_invoice(self.customer_a)
        other = self._services_invoice(self.customer_b)
        line = self._bank_line(f"SPEI RECIBIDO PAGO FACTURA {invoice.name}", 11600.0)
        match = self.Match._match_company(self.company)
        self.assertEqual(match.move_id, invoice)
        self.assertEqual(match.confidence, 75)  # reference + exact amount, no partner on the line
        self.assertEqual(match.state, 'proposed')
        self.assertFalse(line.is_reconciled)
        match.with_user(self.supervisor).action_reconcile()
        self.assertEqual(match.state, 'reconciled')
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, 'paid')
        self.assertEqual(other.payment_state, 'not_paid')

    def test_matched_by_rfc_net_of_withholdings(self):
        invoice = self._services_invoice(self.customer_a)
        line = self._bank_line("DEPOSITO AAA010101AAA TRANSFERENCIA", 11600 - 2066.67)
        match = self.Match._match_company(self.company)
        self.assertEqual(match.move_id, invoice)
        self.assertEqual(match.confidence, 45)  # customer (RFC) + net of withholdings
        self.assertIn('ISR 10 %', match.withholding_label)
        match.action_reconcile()
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, 'paid')
        writeoffs = line.move_id.line_ids.filtered(
            lambda aml: aml.account_id in (self.isr_account | self.iva_account))
        self.assertEqual(sorted(round(b, 2) for b in writeoffs.mapped('balance')), [1000.0, 1066.67])
        rows = self.env['cobranza.withholding'].search([('move_id', '=', invoice.id)])
        self.assertEqual(sorted(rows.mapped('code')), ['isr_10', 'iva_2_3'])
        self.assertEqual(rows.certificate_id.state, 'expected')

    def test_line_paying_several_invoices_named_in_its_label(self):
        first = self._services_invoice(self.customer_a)
        second = self._services_invoice(self.customer_a, amount=5000.0)
        third = self._services_invoice(self.customer_a, amount=3000.0)
        line = self._bank_line(f"SPEI PAGO FACTURAS {first.name} {second.name}", 11600.0 + 5800.0)
        match = self.Match._match_company(self.company)
        self.assertEqual((match.move_ids, match.invoice_count, match.amount, match.residual, match.confidence),
                         (first + second, 2, 17400.0, 17400.0, 75))
        match.with_user(self.supervisor).action_reconcile()
        self.assertTrue(line.is_reconciled)
        self.assertEqual((first + second + third).mapped('payment_state'), ['paid', 'paid', 'not_paid'])
        counterparts = line.move_id.line_ids.filtered(lambda aml: aml.account_type == 'asset_receivable')
        self.assertEqual(sorted(counterparts.mapped('balance')), [-11600.0, -5800.0])
        self.assertTrue(all(counterparts.mapped('reconciled')))

    def test_line_paying_the_sum_of_several_invoices_net_of_withholdings(self):
        first = self._services_invoice(self.customer_a)
        second = self._services_invoice(self.customer_a, amount=5000.0)
        self._services_invoice(self.customer_a, amount=3000.0)
        # No invoice named: the RFC, and the sum of two invoices net of ISR 10 % + IVA 2/3 on each
        # (1,000 + 1,066.67 and 500 + 533.34).
        line = self._bank_line("DEPOSITO SPEI AAA010101AAA", 17400 - 3100.01)
        match = self.Match._match_company(self.company)
        self.assertEqual((match.move_ids, match.confidence), (first + second, 35))
        self.assertIn('sum of several invoices', match.reasons)
        self.assertEqual(match.invoice_count, 2)
        match.action_reconcile()
        self.assertTrue(line.is_reconciled)
        self.assertEqual((first + second).mapped('payment_state'), ['paid', 'paid'])
        writeoffs = line.move_id.line_ids.filtered(
            lambda aml: aml.account_id in (self.isr_account | self.iva_account))
        self.assertEqual(sorted(round(b, 2) for b in writeoffs.mapped('balance')), [500.0, 533.34, 1000.0, 1066.67])
        rows = self.env['cobranza.withholding'].search([('move_id', 'in', (first + second).ids)])
        self.assertEqual(sorted((row.move_id.id, row.code, row.amount) for row in rows), sorted([
            (first.id, 'isr_10', 1000.0), (first.id, 'iva_2_3', 1066.67),
            (second.id, 'isr_10', 500.0), (second.id, 'iva_2_3', 533.34)]))
        self.assertEqual(rows.certificate_id.expected_isr, 1500.0)

    def test_usd_invoice_paid_in_mxn(self):
        usd = self.setup_other_currency('USD', rates=[('2026-01-01', 0.05), ('2026-06-15', 0.04)])
        by_reference = self._services_invoice(self.customer_a, amount=1000.0, currency=usd)
        net = self._services_invoice(self.customer_a, amount=2000.0, currency=usd)
        # 1,160 USD at 25 MXN on the line's date (20 when invoiced): 29,000 MXN.
        line = self._bank_line(f"SPEI PAGO {by_reference.name}", 29000.0)
        # 2,320 USD = 58,000 MXN, base 50,000: ISR 5,000 + IVA 2/3 5,333.35, with the customer's RFC.
        line_net = self._bank_line("DEPOSITO AAA010101AAA", 58000 - 5000 - 5333.35)
        matches = self.Match._match_company(self.company)
        match = matches.filtered(lambda m: m.statement_line_id == line)
        match_net = matches.filtered(lambda m: m.statement_line_id == line_net)
        self.assertEqual((match.move_id, match.residual, match.confidence), (by_reference, 29000.0, 75))
        self.assertEqual((match_net.move_id, match_net.residual, match_net.confidence), (net, 58000.0, 45))
        matches.action_reconcile()
        self.assertTrue(line.is_reconciled and line_net.is_reconciled)
        self.assertEqual((by_reference + net).mapped('payment_state'), ['paid', 'paid'])
        self.assertEqual((by_reference + net).mapped('amount_residual'), [0.0, 0.0])
        # Credited in USD, the difference with the invoice's rate booked as an exchange gain.
        counterpart = line.move_id.line_ids.filtered(lambda aml: aml.account_type == 'asset_receivable')
        self.assertEqual((counterpart.currency_id, counterpart.amount_currency, counterpart.balance),
                         (usd, -1160.0, -29000.0))
        receivable = by_reference.line_ids.filtered(lambda aml: aml.account_type == 'asset_receivable')
        exchange = counterpart.full_reconcile_id.reconciled_line_ids - receivable - counterpart
        self.assertEqual(exchange.move_id.journal_id, self.company.currency_exchange_journal_id)
        self.assertAlmostEqual(sum(exchange.mapped('balance')), 29000.0 - 23200.0)
        writeoffs = line_net.move_id.line_ids.filtered(
            lambda aml: aml.account_id in (self.isr_account | self.iva_account))
        self.assertEqual(sorted(round(b, 2) for b in writeoffs.mapped('balance')), [5000.0, 5333.35])

    def test_automatic_reconciliation_above_threshold(self):
        invoice = self._services_invoice(self.customer_a)
        line = self._bank_line(f"PAGO {invoice.name}", 11600.0, partner=self.customer_a)
        self.company.cobranza_bank_auto_confidence = 95
        match = self.Match._match_company(self.company)
        self.assertEqual((match.confidence, match.state), (100, 'reconciled'))
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, 'paid')

    def test_not_matched(self):
        self._services_invoice(self.customer_a)
        line = self._bank_line("DEPOSITO EN EFECTIVO SUCURSAL 0123", 777.77)
        self.assertFalse(self.Match._match_company(self.company))
        self.assertFalse(line.is_reconciled)

    def test_collector_cannot_reconcile(self):
        invoice = self._services_invoice(self.customer_a)
        self._bank_line(f"PAGO {invoice.name}", 11600.0)
        match = self.Match._match_company(self.company)
        with self.assertRaises(UserError):
            match.with_user(self.collector_1).action_reconcile()
        self.assertEqual(invoice.payment_state, 'not_paid')


@tagged('post_install', '-at_install')
class TestWithholdingAccess(WithholdingCommon):
    """A collector reads the withholdings, certificates and bank matches of their own debtors only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_two_accounts()  # customer A to collector 1, customer B unassigned
        cls.account_b.collector_id = cls.collector_2
        cls.customer_a.vat = 'AAA010101AAA'
        cls.customer_b.vat = 'BBB010101BBB'
        cls.Certificate = cls.env['cobranza.withholding.certificate']
        cls.Match = cls.env['cobranza.bank.match']
        cls.services_a = cls._services_invoice(cls.customer_a)
        cls.services_b = cls._services_invoice(cls.customer_b)
        for invoice in (cls.services_a, cls.services_b):
            wizard = cls.env['cobranza.payment.wizard'].create({
                'move_ids': [Command.set(invoice.ids)], 'company_id': cls.company.id,
                'journal_id': cls.bank_journal.id, 'date': cls.pay_date, 'amount': 11600 - 2066.67,
                'currency_id': cls.company.currency_id.id})
            wizard.action_propose()
            wizard.action_confirm()
        cls.cert_a = cls.Certificate.search([('partner_id', '=', cls.customer_a.id)])
        cls.cert_b = cls.Certificate.search([('partner_id', '=', cls.customer_b.id)])
        for label, amount in ((f"PAGO {cls.invoice_a.name}", 1000.0), (f"PAGO {cls.invoice_b.name}", 1000.0)):
            cls.env['account.bank.statement.line'].create({
                'journal_id': cls.bank_journal.id, 'date': cls.pay_date, 'payment_ref': label, 'amount': amount})
        cls.matches = cls.Match._match_company(cls.company, auto=False)
        cls.match_a = cls.matches.filtered(lambda m: m.move_id == cls.invoice_a)
        cls.match_b = cls.matches.filtered(lambda m: m.move_id == cls.invoice_b)

    def _assert_reads(self, user, allowed, refused):
        for record in allowed:
            self.assertTrue(record.with_user(user).read(['state']), f"{user.login} should read {record}")
        for record in refused:
            with self.assertRaises(AccessError, msg=f"{user.login} should not read {record}"):
                record.with_user(user).read(['state'])

    def test_collector_reads_own_debtors_only(self):
        self.assertEqual((len(self.cert_a), len(self.cert_b), len(self.match_a), len(self.match_b)), (1, 1, 1, 1))
        withholdings_a = self.cert_a.withholding_ids
        withholdings_b = self.cert_b.withholding_ids
        self.assertEqual(len(withholdings_a), 2)
        own_a = [*self.cert_a, *withholdings_a, *self.match_a]
        own_b = [*self.cert_b, *withholdings_b, *self.match_b]
        self._assert_reads(self.collector_1, own_a, own_b)
        self._assert_reads(self.collector_2, own_b, own_a)
        self.assertEqual(self.Certificate.with_user(self.collector_1).search([]), self.cert_a)
        self.assertEqual(self.Match.with_user(self.collector_1).search([]), self.match_a)
        self.assertEqual(self.env['cobranza.withholding'].with_user(self.collector_2).search([]), withholdings_b)
        # Reassigning the debtor hands its records to the new collector.
        self.account_a.collector_id = self.collector_2
        self.env.invalidate_all()
        self._assert_reads(self.collector_2, own_a, ())
        self._assert_reads(self.collector_1, (), own_a)
        # Read only: a collector writes nothing.
        with self.assertRaises(AccessError):
            self.cert_a.with_user(self.collector_2).write({'month_to': 7})

    def test_supervisor_reads_all_of_their_companies(self):
        everything = [*self.cert_a, *self.cert_b, *self.cert_a.withholding_ids, *self.cert_b.withholding_ids,
                      *self.matches]
        self._assert_reads(self.supervisor, everything, ())
        self.assertEqual(self.Certificate.with_user(self.supervisor).search([]), self.cert_a + self.cert_b)
        other = self.setup_other_company(name='Distribuidora del Sur S.A. de C.V.')['company']
        outsider = self._new_user('supervisor_sur', 'cobranza_mx.group_cobranza_supervisor', company=other)
        self._assert_reads(outsider, (), everything)
        self.assertFalse(self.Certificate.with_user(outsider).search([]))
