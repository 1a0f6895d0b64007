import io
import zipfile
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from freezegun import freeze_time
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CobranzaCommon

CEP = (Path(__file__).parent / 'data' / 'cep_sample.xml').read_bytes()
PDF = b'%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'
PNG = b'\x89PNG\r\n\x1a\n' + b'\x00' * 64
JPEG = b'\xff\xd8\xff\xe0\x00\x10JFIF\x00' + b'\x01' * 64


class ProofCommon(CobranzaCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_three_accounts()
        cls.Proof = cls.env['cobranza.payment.proof']
        cls.pay_date = date(2026, 6, 12)
        cls.bank_journal = cls.company_data['default_journal_bank']

    @contextmanager
    def assert_refused(self, exception, pattern):
        # Odoo's assertRaises (not unittest's assertRaisesRegex) rolls the failed operation back.
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)

    def _proof(self, files, user=None, **vals):
        values = {'partner_id': self.customer_a.id, 'move_ids': [(6, 0, self.invoice_a.ids)],
                  'amount': 1000.0, 'payment_date': self.pay_date, **vals}
        return self.Proof.with_user(user or self.env.user)._create_from_files(values, files)

    def _pay(self, invoice, amount, pay_date, memo=None):
        wizard = self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=invoice.ids).create({
                'amount': amount, 'payment_date': pay_date, 'communication': memo or invoice.name})
        return wizard._create_payments()

    def _bank_line(self, label, amount, line_date):
        return self.env['account.bank.statement.line'].create({
            'journal_id': self.bank_journal.id, 'date': line_date, 'payment_ref': label, 'amount': amount})


@tagged('post_install', '-at_install')
class TestPaymentProof(ProofCommon):

    def test_cep_read_and_kept(self):
        proof = self._proof([('cep.xml', CEP)], amount=0, payment_date=False)
        self.assertEqual(proof.reference, 'MBAN01002606120000458712')
        self.assertEqual((proof.amount, proof.payment_date, proof.proof_type), (1000.0, date(2026, 6, 12), 'spei'))
        self.assertEqual(proof.bank, 'BBVA MEXICO')
        self.assertEqual(proof.cep_issuer, 'ABARROTES LA ESPERANZA SA DE CV - ALE010101AB1')
        self.assertIn('SIN980303KL2', proof.cep_receiver)
        self.assertEqual(proof.account_id, self.account_a)
        self.assertEqual(proof.state, 'received')
        self.assertEqual(proof.source, 'staff')
        self.assertTrue(proof.name.startswith('SOP/'))
        self.assertEqual(proof.expiry_date, proof.received_date + timedelta(days=self.policy.proof_validity_days))
        self.assertEqual(len(proof.file_hashes), 64)
        attachment = proof.attachment_ids
        self.assertEqual((attachment.res_model, attachment.res_id, attachment.raw), (proof._name, proof.id, CEP))
        self.assertEqual(self.invoice_a.cobranza_proof_ids, proof)
        self.assertEqual(self.customer_a.cobranza_proof_count, 1)

    def test_cep_of_another_amount_refused(self):
        with self.assert_refused(ValidationError, 'CEP'):
            self._proof([('cep.xml', CEP)], amount=999.0)

    def test_bad_files_refused_nothing_stored(self):
        attachments = self.env['ir.attachment'].search_count([])
        proofs = self.Proof.search_count([])
        for name, data, message in (
                ('factura.pdf', b'MZ\x90\x00 not a pdf', 'not a PDF'),
                ('recibo.jpg', b'PK\x03\x04 a zip', 'not a PDF'),
                ('cep.xml', b'<?xml version="1.0"?><SPEI_Tercero><a></SPEI_Tercero>', 'not well-formed'),
                ('vacio.png', b'', 'empty')):
            with self.assert_refused(ValidationError, message):
                self._proof([('ok.png', PNG), (name, data)])
        with self.assert_refused(ValidationError, 'Attach'):
            self._proof([])
        self.policy.proof_max_file_mb = 0.00001
        with self.assert_refused(ValidationError, 'larger than'):
            self._proof([('big.png', PNG)])
        self.assertEqual(self.env['ir.attachment'].search_count([]), attachments)
        self.assertEqual(self.Proof.search_count([]), proofs)

    def test_attachment_added_later_is_checked(self):
        proof = self._proof([('ok.png', PNG)])
        bad = self.env['ir.attachment'].create({'name': 'x.pdf', 'raw': b'GIF89a not allowed'})
        with self.assert_refused(ValidationError, 'not a PDF'):
            proof.attachment_ids = [(4, bad.id)]

    def test_duplicate_file_refused(self):
        first = self._proof([('a.pdf', PDF)])
        with self.assert_refused(ValidationError, first.name):
            self._proof([('copia.pdf', PDF)], partner_id=self.customer_a.id, amount=500.0)
        # Rejected or not, the same file is the same proof.
        first.action_reject('illegible')
        with self.assert_refused(ValidationError, 'already received'):
            self._proof([('otra_vez.pdf', PDF)])

    def test_duplicate_reference_and_amount_refused(self):
        first = self._proof([('a.png', PNG)], reference='ref 4587-12')
        with self.assert_refused(ValidationError, 'REF458712|ref 4587-12'):
            self._proof([('b.jpg', JPEG)], reference='REF458712')
        # Another amount with the same reference is another payment.
        other = self._proof([('b.jpg', JPEG)], reference='REF458712', amount=300.0)
        self.assertTrue(other)
        # Once the first was rejected, the debtor may send a good proof of that payment.
        first.action_reject('illegible')
        again = self._proof([('c.pdf', PDF)], reference='REF-458712')
        self.assertEqual(again.state, 'received')

    def test_validated_against_payment(self):
        payment = self._pay(self.invoice_a, 1000.0, self.pay_date, memo='MBAN01002606120000458712')
        self._pay(self.invoice_c, 1000.0, self.pay_date)  # same amount and day, another debtor
        proof = self._proof([('cep.xml', CEP)])
        proof.with_user(self.supervisor).action_propose_match()
        self.assertEqual(proof.proposed_payment_id, payment)
        self.assertEqual(proof.proposal_reasons, 'amount date reference partner')
        self.assertEqual(proof.proposal_score, 100)
        proof.with_user(self.supervisor).action_validate()
        self.assertEqual((proof.state, proof.payment_id, proof.validated_by_id),
                         ('validated', payment, self.supervisor))
        self.assertEqual(payment.cobranza_proof_ids, proof)
        message = self.invoice_a.message_ids[:1]
        self.assertIn(proof.name, message.body)
        self.assertIn('validated', message.body)
        self.assertEqual(message.author_id, self.supervisor.partner_id)
        # A payment proves one proof only.
        second = self._proof([('b.png', PNG)], reference='otra')
        with self.assert_refused(UserError, 'already proves'):
            second.with_user(self.supervisor).action_validate(payment=payment)
        with self.assert_refused(UserError, 'cannot be changed'):
            proof.with_user(self.supervisor).amount = 5.0

    def test_validated_against_bank_line_within_tolerance(self):
        self._bank_line('SPEI RECIBIDO 1000', 1000.0, self.pay_date - timedelta(days=5))  # too early
        line = self._bank_line('SPEI MBAN01002606120000458712 ABARROTES', 1000.0, self.pay_date + timedelta(days=1))
        wrong_amount = self._bank_line('SPEI MBAN01002606120000458712', 1001.0, self.pay_date)
        proof = self._proof([('cep.xml', CEP)])
        proof._propose()
        self.assertEqual(proof.proposed_statement_line_id, line)
        self.assertEqual(proof.proposal_reasons, 'amount near_date reference')
        with self.assert_refused(UserError, 'does not prove'):
            proof.with_user(self.supervisor).action_validate(statement_line=wrong_amount)
        proof.with_user(self.supervisor).action_validate()
        self.assertEqual((proof.state, proof.statement_line_id), ('validated', line))

    def test_no_match_no_validation(self):
        proof = self._proof([('a.png', PNG)])
        self.assertFalse(proof._propose())
        with self.assert_refused(UserError, 'Propose Match'):
            proof.with_user(self.supervisor).action_validate()

    def test_rejected_with_reason_on_invoice(self):
        proof = self._proof([('a.png', PNG)])
        with self.assert_refused(UserError, 'supervisors'):
            proof.with_user(self.collector_1).action_reject('altered')
        wizard = self.env['cobranza.payment.proof.reject.wizard'].with_user(self.supervisor).create({
            'proof_ids': [(6, 0, proof.ids)], 'reason': 'amount_mismatch', 'note': 'El depósito fue de 900'})
        wizard.action_reject()
        self.assertEqual((proof.state, proof.rejection_reason), ('rejected', 'amount_mismatch'))
        body = self.invoice_a.message_ids[:1].body
        self.assertIn('The amount does not match', body)
        self.assertIn('El depósito fue de 900', body)
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        spanish = proof.with_context(lang='es_MX')
        labels = dict(spanish._fields['rejection_reason']._description_selection(spanish.env))
        self.assertEqual(labels['amount_mismatch'], 'El monto no coincide')

    def test_workflow_fields_protected(self):
        proof = self._proof([('a.png', PNG)], user=self.collector_1)
        self.assertEqual(proof.source, 'collector')
        for vals in ({'state': 'validated'}, {'payment_id': False}, {'file_hashes': 'x'}):
            with self.assert_refused(UserError, 'set by its validation'):
                proof.with_user(self.collector_1).write(vals)
        with self.assert_refused(UserError, 'supervisors'):
            proof.with_user(self.collector_1).action_validate()

    def test_expired_by_cron(self):
        with freeze_time('2026-06-15 12:00:00'):
            proof = self._proof([('a.png', PNG)])
            waiting = self._proof([('b.jpg', JPEG)], reference='otro')
            waiting.action_submit_review()
            validated = self._proof([('c.pdf', PDF)], reference='tercero', amount=700.0)
            payment = self._pay(self.invoice_a, 700.0, self.pay_date)
            validated.action_validate(payment=payment)
        self.assertEqual(proof.expiry_date, date(2026, 6, 25))
        cron = self.env.ref('cobranza_mx.ir_cron_cobranza_proof_expiry')
        with freeze_time('2026-06-25 09:00:00'), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual((proof.state, waiting.state), ('received', 'in_review'))
        with freeze_time('2026-06-26 09:00:00'), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual((proof.state, waiting.state, validated.state), ('expired', 'expired', 'validated'))
        self.assertTrue(proof.message_ids.filtered(lambda m: 'expired' in str(m.body)))

    def test_collector_sees_own_debtors_only(self):
        own = self._proof([('a.png', PNG)])
        other = self._proof([('b.png', JPEG)], partner_id=self.customer_b.id, move_ids=[(6, 0, self.invoice_b.ids)])
        visible = self.Proof.with_user(self.collector_1).search([])
        self.assertIn(own, visible)
        self.assertNotIn(other, visible)
        with self.assertRaises(AccessError):
            other.with_user(self.collector_1).read(['amount'])
        with self.assertRaises(AccessError):
            other.attachment_ids.with_user(self.collector_1).read(['datas'])
        self.assertEqual(self.Proof.with_user(self.supervisor).search([]), own | other)
        with self.assertRaises(AccessError):
            own.with_user(self.collector_1).unlink()

    def test_proof_of_invoice_of_another_debtor_refused(self):
        with self.assert_refused(ValidationError, 'own debtor'):
            self._proof([('a.png', PNG)], move_ids=[(6, 0, self.invoice_b.ids)])

    def test_xlsx_export(self):
        proof = self._proof([('a.png', PNG)], reference='XLSX-1')
        proof.action_reject('not_found')
        action = (proof | self._proof([('b.jpg', JPEG)])).action_export_xlsx()
        attachment = self.env['ir.attachment'].browse(int(action['url'].split('/')[3].split('?')[0]))
        with zipfile.ZipFile(io.BytesIO(attachment.raw)) as book:
            strings = book.read('xl/sharedStrings.xml').decode()
        for text in (proof.name, 'Abarrotes La Esperanza', 'Rejected', 'The payment is not in the bank', 'XLSX-1',
                     'Received'):
            self.assertIn(text, strings)
