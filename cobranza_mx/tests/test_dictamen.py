import base64
import io
from datetime import date, timedelta

import openpyxl
from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CobranzaCommon

AS_OF = date(2026, 6, 15)
UDI = 8.0  # pesos per UDI on every day of the tests: 30,000 UDIS = 240,000.00 MXN


class DictamenCommon(CobranzaCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['cobranza.udi.rate'].search([]).unlink()
        day, rates = date(2024, 1, 1), []
        while day <= date(2026, 12, 31):
            rates.append({'date': day, 'value': UDI})
            day += timedelta(days=1)
        cls.env['cobranza.udi.rate'].create(rates)
        cls.company.write({
            'cobranza_bad_debt_account_id': cls.company_data['default_account_expense'].id,
            'cobranza_bad_debt_journal_id': cls.company_data['default_journal_misc'].id,
            'cobranza_dictamen_second_amount': 1000000.0,
        })
        cls.manager_1 = cls._new_user('dict_manager_1', 'cobranza_mx.group_cobranza_manager')
        cls.manager_2 = cls._new_user('dict_manager_2', 'cobranza_mx.group_cobranza_manager')
        cls.manager_3 = cls._new_user('dict_manager_3', 'cobranza_mx.group_cobranza_manager')
        cls.customer_a.vat = 'ALE010101AB1'

    def _candidates(self, as_of=AS_OF):
        wizard = self.env['cobranza.dictamen.candidate.wizard'].create({'as_of': as_of})
        action = wizard.action_find()
        return self.env['cobranza.dictamen.candidate'].search(action['domain'])

    def _dictamen(self, partner, moves, basis='a', user=None, **vals):
        Dictamen = self.env['cobranza.dictamen'].with_user(user or self.supervisor)
        return Dictamen.create({'partner_id': partner.id, 'basis': basis, 'as_of': AS_OF,
                                'move_ids': [Command.set(moves.ids)],
                                'opinion': 'Se agotaron las gestiones de cobranza.', **vals})

    def _document(self, dictamen, doc_type):
        self.env['cobranza.dictamen.document'].create({
            'dictamen_id': dictamen.id, 'doc_type': doc_type, 'name': doc_type,
            'file': base64.b64encode(b'%PDF-1.4 sentencia'), 'filename': f'{doc_type}.pdf'})


@tagged('post_install', '-at_install')
class TestDictamenCandidates(DictamenCommon):
    """LISR art. 27 fr. XV: who is a candidate, under which basis, from which month."""

    def test_one_credit_both_sides_of_30000_udis(self):
        at_limit = self._invoice(self.customer_a, date(2025, 1, 10), amount=240000.0)
        self._invoice(self.customer_b, date(2025, 1, 10), amount=240000.08)
        candidates = self._candidates()
        line = candidates.filtered(lambda c: c.partner_id == self.customer_a)
        self.assertEqual((line.basis, line.ready), ('a', True))
        self.assertAlmostEqual(line.amount_udis, 30000.0, places=2)
        self.assertEqual(line.eligible_move_ids, at_limit)
        self.assertEqual(line.month, date(2026, 1, 1), "one year of default reached on 2026-01-11")
        self.assertFalse(candidates.filtered(lambda c: c.partner_id == self.customer_b),
                         "30,000.01 UDIS without a lawsuit is no candidate")

    def test_several_credits_add_up(self):
        self._invoice(self.customer_a, date(2025, 1, 10), amount=120000.0)
        self._invoice(self.customer_a, date(2025, 2, 10), amount=120000.0)
        self._invoice(self.customer_b, date(2025, 1, 10), amount=120000.0)
        self._invoice(self.customer_b, date(2025, 2, 10), amount=120000.0)
        self._invoice(self.customer_b, date(2026, 5, 1), amount=8.0)
        candidates = self._candidates()
        line_a = candidates.filtered(lambda c: c.partner_id == self.customer_a)
        self.assertEqual(len(line_a.eligible_move_ids), 2)
        self.assertAlmostEqual(line_a.amount_udis, 30000.0, places=2)
        self.assertFalse(candidates.filtered(lambda c: c.partner_id == self.customer_b),
                         "three credits of 30,001 UDIS together: above the limit")

    def test_both_sides_of_one_year(self):
        on_time = self._invoice(self.customer_a, date(2025, 6, 14), amount=1000.0)
        self._invoice(self.customer_b, date(2025, 6, 15), amount=1000.0)
        candidates = self._candidates()
        line_a = candidates.filtered(lambda c: c.partner_id == self.customer_a)
        self.assertTrue(line_a.ready)
        self.assertEqual(line_a.eligible_move_ids, on_time)
        self.assertEqual(line_a.month, date(2026, 6, 1))
        line_b = candidates.filtered(lambda c: c.partner_id == self.customer_b)
        self.assertFalse(line_b.ready, "in default since 2025-06-16: one year on 2026-06-16")
        self.assertEqual(line_b.month, date(2026, 6, 1))
        with self.assertRaisesRegex(UserError, 'not deductible yet'):
            line_b.action_create_dictamen()
        self.assertTrue(self._candidates(AS_OF + timedelta(days=1)).filtered(
            lambda c: c.partner_id == self.customer_b).ready)
        # A dictamen (a) of a credit short of one year is refused.
        dictamen = self._dictamen(self.customer_b, self.customer_b.invoice_ids)
        with self.assertRaisesRegex(UserError, 'reached only on'):
            dictamen.action_submit()

    def test_judicial_basis_b_needs_a_ruling(self):
        invoice = self._invoice(self.customer_c, date(2025, 3, 1), amount=400000.0)
        self.assertFalse(self._candidates().filtered(lambda c: c.partner_id == self.customer_c))
        self.customer_c.cobranza_lawsuit_date = date(2025, 9, 1)
        line = self._candidates().filtered(lambda c: c.partner_id == self.customer_c)
        self.assertEqual(line.basis, 'b')
        self.assertIn('ruling', line.missing_evidence.lower())
        self.assertIn('notice', line.missing_evidence.lower(), "a company is told in writing")
        action = line.action_create_dictamen()
        dictamen = self.env['cobranza.dictamen'].browse(action['res_id'])
        dictamen.opinion = 'Juicio ejecutivo mercantil sin bienes embargables.'
        self.assertEqual(dictamen.line_ids.move_id, invoice)
        with self.assertRaisesRegex(UserError, 'needs the final ruling') as error:
            dictamen.action_submit()
        self.assertIn('acknowledged written notice', str(error.exception))
        self.assertEqual(dictamen.state, 'draft')
        self._document(dictamen, 'ruling')
        self._document(dictamen, 'notice')
        dictamen.action_submit()
        self.assertEqual(dictamen.state, 'to_approve')
        # A (b) dictamen of a debtor under 30,000 UDIS is refused: (a) applies.
        small = self._dictamen(self.customer_b, self._invoice(self.customer_b, date(2025, 3, 1)), basis='b')
        self._document(small, 'ruling')
        with self.assertRaisesRegex(UserError, 'use basis'):
            small.action_submit()

    def test_insolvency_basis_c(self):
        invoice = self._invoice(self.customer_b, date(2026, 5, 1), amount=10000.0)
        self.customer_b.cobranza_insolvency_date = date(2026, 6, 1)
        line = self._candidates().filtered(lambda c: c.partner_id == self.customer_b)
        self.assertEqual((line.basis, line.ready, line.month), ('c', True, date(2026, 6, 1)))
        self.assertEqual(line.eligible_move_ids, invoice, "no year of default needed")
        dictamen = self._dictamen(self.customer_b, invoice, basis='c')
        with self.assertRaisesRegex(UserError, 'concurso mercantil ruling'):
            dictamen.action_submit()
        self._document(dictamen, 'insolvency_ruling')
        dictamen.action_submit()
        self.assertEqual(dictamen.state, 'to_approve')

    def test_missing_udi_value(self):
        self._invoice(self.customer_a, date(2023, 6, 1), amount=1000.0)
        with self.assertRaisesRegex(UserError, 'no UDI value for 2023-06-01'):
            self._candidates()

    def test_usd_invoice_at_its_own_rate(self):
        usd = self.setup_other_currency('USD', rates=[('2025-01-01', 0.05), ('2026-06-15', 0.04)])
        invoice = self._invoice(self.customer_a, date(2025, 2, 1), amount=10000.0, currency=usd,
                                invoice_date=date(2025, 1, 15))
        self.env['cobranza.udi.rate'].search([('date', '=', date(2025, 2, 1))]).value = 8.5
        line = self._candidates().filtered(lambda c: c.partner_id == self.customer_a)
        # 10,000 USD at 20 MXN (the invoice's rate, not today's 25): 200,000 MXN / 8.5 = 23,529.41 UDIS.
        self.assertAlmostEqual(line.amount_total, 200000.0, places=2)
        self.assertAlmostEqual(line.amount_udis, 23529.41, places=2)
        dictamen = self._dictamen(self.customer_a, invoice)
        self.assertAlmostEqual(dictamen.line_ids.udis, 23529.41, places=2)
        self.assertAlmostEqual(dictamen.line_ids.udi_value, 8.5, places=6)


@tagged('post_install', '-at_install')
class TestDictamenFlow(DictamenCommon):
    """Approval, evidence, notice, write-off and its reversal, SAT list, access."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice_1 = cls._invoice(cls.customer_a, date(2025, 1, 10), amount=150000.0)
        cls.invoice_2 = cls._invoice(cls.customer_a, date(2025, 3, 10), amount=50000.0)

    def _submitted(self, user=None):
        dictamen = self._dictamen(self.customer_a, self.invoice_1 | self.invoice_2, user=user)
        self._document(dictamen, 'notice')
        dictamen.with_user(user or self.supervisor).action_submit()
        return dictamen

    def test_author_cannot_approve(self):
        dictamen = self._submitted(user=self.manager_1)
        with self.assertRaisesRegex(UserError, 'author'):
            dictamen.with_user(self.manager_1).action_approve()
        with self.assertRaises(AccessError):
            dictamen.with_user(self.supervisor).action_approve()
        with self.assertRaisesRegex(UserError, 'buttons'):
            dictamen.with_user(self.manager_1).write({'state': 'approved'})
        dictamen.with_user(self.manager_2).action_approve()
        self.assertEqual((dictamen.state, dictamen.approver_id), ('approved', self.manager_2))

    def test_second_approver_above_the_amount(self):
        self.company.cobranza_dictamen_second_amount = 199999.99
        dictamen = self._submitted()
        self.assertTrue(dictamen.needs_second_approval)
        dictamen.with_user(self.manager_1).action_approve()
        self.assertEqual((dictamen.state, dictamen.first_approver_id), ('to_approve', self.manager_1))
        with self.assertRaisesRegex(UserError, 'another administrator'):
            dictamen.with_user(self.manager_1).action_approve()
        dictamen.with_user(self.manager_2).action_approve()
        self.assertEqual((dictamen.state, dictamen.approver_id), ('approved', self.manager_2))
        # At the amount exactly, one approval is enough.
        self.company.cobranza_dictamen_second_amount = 200000.0
        other = self._dictamen(self.customer_b, self._invoice(self.customer_b, date(2025, 1, 10), 200000.0))
        other.action_submit()
        other.with_user(self.manager_1).action_approve()
        self.assertEqual(other.state, 'approved')

    def test_reject_and_resubmit(self):
        dictamen = self._submitted()
        with self.assertRaisesRegex(UserError, 'reason'):
            dictamen.with_user(self.manager_1).action_reject()
        dictamen.rejection_reason = 'Falta la investigación del deudor.'
        dictamen.with_user(self.manager_1).action_reject()
        self.assertEqual(dictamen.state, 'rejected')
        with self.assertRaisesRegex(UserError, 'draft'):
            dictamen.opinion = 'Otra opinión'
        dictamen.action_reset_draft()
        dictamen.opinion = 'Otra opinión'
        self.assertEqual(dictamen.state, 'draft')

    def test_evidence_gathered(self):
        self._run(run_date=AS_OF)
        account = self.invoice_1.cobranza_account_id
        Log = self.env['cobranza.contact.log'].sudo()
        for channel, result in (('email', 'sent'), ('email', 'failed'), ('sms', 'delivered'), ('letter', 'sent')):
            Log.create({'company_id': self.company.id, 'partner_id': self.customer_a.id, 'account_id': account.id,
                        'channel': channel, 'result': result})
        self.env['cobranza.promise'].sudo().create({
            'account_id': account.id, 'amount': 20000.0, 'date': date.today() + timedelta(days=3),
            'collector_id': self.collector_1.id, 'move_ids': [Command.set(self.invoice_1.ids)]})
        promise = self.env['cobranza.promise'].search([('account_id', '=', account.id)])
        promise.sudo().write({'state': 'broken'})
        dictamen = self._dictamen(self.customer_a, self.invoice_1)
        self.assertEqual(dictamen.contact_count, 4)
        self.assertEqual(dictamen.letter_count, 1)
        self.assertEqual(dictamen.promise_broken_count, 1)
        self.assertIn('E-mail / Failed: 1', dictamen.contact_summary)
        self.assertIn('SMS / Delivered: 1', dictamen.contact_summary)
        self.assertEqual(dictamen.account_id, account)
        # The notice goes through the reminder engine: queued with its PDF, e-mailed and logged by the reminders'
        # cron inside the debtor's window (only the notice's rule here: the daily cap counts every e-mail).
        self.customer_a.email = 'pagos@abarrotes.example.com'
        self.env['cobranza.reminder.rule'].search([('trigger', '!=', 'document')]).active = False
        with freeze_time('2026-06-16 17:00:00'):
            attachment = dictamen._send_notice()
            with self.assertRaisesRegex(UserError, 'already on its way'):
                dictamen.action_send_notice()
        reminders = self.env['cobranza.reminder'].sudo().search(
            [('document_ref', '=', f'cobranza.dictamen,{dictamen.id}')], order='id')
        self.assertEqual(reminders.mapped('channel'), ['email'])
        self.assertEqual(reminders.document_attachment_id, attachment)
        self.assertFalse(dictamen.notice_date)
        with freeze_time('2026-06-16 17:01:00'), self.enter_registry_test_mode():
            self.env.ref('cobranza_mx.ir_cron_cobranza_reminders').method_direct_trigger()
        log = Log.search([('partner_id', '=', self.customer_a.id), ('reminder_id', 'in', reminders.ids)])
        self.assertEqual((log.channel, log.result, log.recipient), ('email', 'queued', 'pagos@abarrotes.example.com'))
        self.assertEqual(reminders.mail_id.attachment_ids, attachment)
        self.assertEqual(dictamen.notice_date, date(2026, 6, 16))
        self.assertTrue(dictamen.message_ids.filtered(lambda m: attachment in m.attachment_ids))

    def test_write_off_closes_and_reverses(self):
        dictamen = self._submitted()
        dictamen.with_user(self.manager_1).action_approve()
        invoices = self.invoice_1 | self.invoice_2
        with self.assertRaises(AccessError):
            dictamen.with_user(self.supervisor).action_write_off()
        dictamen.with_user(self.manager_1).action_write_off()
        self.assertEqual(dictamen.state, 'written_off')
        self.assertEqual(set(invoices.mapped('payment_state')), {'paid'})
        self.assertEqual(invoices.mapped('amount_residual'), [0.0, 0.0])
        entry = dictamen.write_off_move_id
        self.assertEqual(entry.state, 'posted')
        self.assertEqual(entry.journal_id, self.company_data['default_journal_misc'])
        expense = entry.line_ids.filtered(lambda line: line.account_id == self.company_data['default_account_expense'])
        self.assertAlmostEqual(expense.debit, 200000.0, places=2)
        self.assertEqual(invoices.cobranza_dictamen_id, dictamen)
        self.assertEqual(dictamen.write_off_year, date.today().year)
        # The SAT list of the year: the debtor with its RFC and the credits.
        wizard = self.env['cobranza.dictamen.sat.wizard'].create({'year': date.today().year})
        action = wizard.action_export_xlsx()
        attachment = self.env['ir.attachment'].browse(int(action['url'].split('/')[3].split('?')[0]))
        book = openpyxl.load_workbook(io.BytesIO(attachment.raw))
        debtors = list(book.worksheets[0].iter_rows(values_only=True))
        self.assertEqual(debtors[1][:3], ('ALE010101AB1', self.customer_a.name, 2))
        self.assertAlmostEqual(debtors[1][4], 200000.0, places=2)
        self.assertEqual(len(list(book.worksheets[1].iter_rows())), 3)
        with self.assertRaisesRegex(UserError, 'No credit'):
            self.env['cobranza.dictamen.sat.wizard'].create({'year': 2020}).action_export_xlsx()
        # A later payment of the debtor is flagged as taxable income.
        payment = self.env['account.payment'].create({
            'payment_type': 'inbound', 'partner_type': 'customer', 'partner_id': self.customer_a.id,
            'amount': 5000.0, 'journal_id': self.company_data['default_journal_bank'].id})
        payment.action_post()
        self.assertTrue(payment.cobranza_taxable_recovery)
        self.assertEqual(payment.cobranza_recovery_dictamen_id, dictamen)
        self.assertIn('taxable income', payment.message_ids[0].body)
        # Reversed: the invoices are open again with their whole balance.
        dictamen.with_user(self.manager_1).action_reverse_write_off()
        self.assertEqual(dictamen.state, 'approved')
        self.assertEqual(set(invoices.mapped('payment_state')), {'not_paid'})
        self.assertEqual(invoices.mapped('amount_residual'), [150000.0, 50000.0])
        self.assertFalse(invoices.cobranza_dictamen_id)
        self.assertEqual(dictamen.reversal_move_ids.reversed_entry_id, entry)
        self.assertEqual(entry.payment_state if entry.is_invoice() else entry.state, 'posted')
        self.assertFalse(self.env['cobranza.dictamen.line'].search([('state', '=', 'written_off')]))
        # And can be written off again.
        dictamen.with_user(self.manager_1).action_write_off()
        self.assertEqual(set(invoices.mapped('payment_state')), {'paid'})

    def test_write_off_needs_the_accounts(self):
        dictamen = self._submitted()
        dictamen.with_user(self.manager_1).action_approve()
        self.company.cobranza_bad_debt_account_id = False
        with self.assertRaisesRegex(UserError, 'bad debt expense account'):
            dictamen.with_user(self.manager_1).action_write_off()
        self.assertEqual(dictamen.state, 'approved')

    def test_access(self):
        dictamen = self._submitted()
        with self.assertRaises(AccessError):
            dictamen.with_user(self.collector_1).read(['name'])
        with self.assertRaises(AccessError):
            self.env['cobranza.dictamen.candidate.wizard'].with_user(self.collector_1).create({})
        with self.assertRaises(AccessError):
            self.env['cobranza.dictamen.sat.wizard'].with_user(self.supervisor).create({})
        self.assertEqual(self.env['cobranza.udi.rate'].with_user(self.collector_1).search_count([]), 1096,
                         "UDI values are public data: everybody reads them")
        with self.assertRaises(AccessError):
            self.env['cobranza.udi.rate'].with_user(self.supervisor).create({'date': date(2027, 1, 1), 'value': 9})
        # Another company does not see this one's dictámenes.
        other = self.env['res.company'].create({'name': 'Otra Empresa S.A. de C.V.'})
        outsider = self._new_user('dict_outsider', 'cobranza_mx.group_cobranza_manager', company=other)
        self.assertFalse(self.env['cobranza.dictamen'].with_user(outsider).search([]))
        self.assertFalse(self.env['cobranza.dictamen.line'].with_user(outsider).search([]))
        self.assertFalse(self.env['cobranza.dictamen.document'].with_user(outsider).search([]))
