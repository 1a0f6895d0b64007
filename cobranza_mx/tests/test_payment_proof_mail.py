"""Payment proofs received by e-mail, through Odoo's real mail gateway (message_process)."""
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .test_payment_proof import CEP, PDF, ProofCommon


def _raw_email(sender, subject, files, to='comprobantes@example.com'):
    message = MIMEMultipart()
    message['From'] = sender
    message['To'] = to
    message['Subject'] = subject
    message['Message-Id'] = f'<{abs(hash((sender, subject, len(files))))}@mail.example.com>'
    message['Date'] = 'Fri, 12 Jun 2026 18:20:00 -0600'
    message.attach(MIMEText('Les envío mi comprobante de pago. Saludos.', 'plain', 'utf-8'))
    for name, data in files:
        part = MIMEApplication(data, Name=name)
        part['Content-Disposition'] = f'attachment; filename="{name}"'
        message.attach(part)
    return message.as_string()


@tagged('post_install', '-at_install')
class TestPaymentProofByEmail(ProofCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a.email = 'tesoreria@abarrotes-esperanza.example.com'
        cls.account_a.collector_id = cls.collector_1

    def _receive(self, sender, subject, files):
        return self.env['mail.thread'].with_company(self.company).message_process(
            'cobranza.payment.proof', _raw_email(sender, subject, files))

    def test_the_alias_exists(self):
        alias = self.env.ref('cobranza_mx.mail_alias_payment_proof')
        self.assertEqual(alias.alias_model_id.model, 'cobranza.payment.proof')
        self.assertEqual(alias.alias_contact, 'partners', "unknown senders are bounced by Odoo")

    def test_cep_by_email_becomes_a_proof_in_review(self):
        proof_id = self._receive('Tesorería <tesoreria@abarrotes-esperanza.example.com>', 'Comprobante de pago',
                                 [('cep.xml', CEP)])
        proof = self.Proof.browse(proof_id)
        self.assertEqual((proof.source, proof.state, proof.partner_id), ('email', 'in_review', self.customer_a))
        self.assertEqual(proof.amount, 1000.0)
        self.assertEqual(proof.reference, 'MBAN01002606120000458712', "read from the CEP")
        self.assertEqual(len(proof.attachment_ids), 1)
        log = self.env['cobranza.contact.log'].search([('account_id', '=', self.account_a.id),
                                                       ('result', '=', 'proof_received')])
        self.assertEqual(log.channel, 'email')
        self.assertIn(proof.name, log.detail)
        self.assertEqual(proof.activity_ids.user_id, self.collector_1)
        # The same file again is a duplicate, refused like any proof; nothing new is stored.
        with self.assert_refused(ValidationError, 'already received'):
            self._receive('tesoreria@abarrotes-esperanza.example.com', 'Otra vez', [('cep-copia.xml', CEP)])
        self.assertEqual(self.Proof.search_count([('source', '=', 'email')]), 1)

    def test_amount_from_the_subject(self):
        proof = self.Proof.browse(self._receive('tesoreria@abarrotes-esperanza.example.com',
                                                'Pago $1,000.00 factura ' + self.invoice_a.name, [('ficha.pdf', PDF)]))
        self.assertEqual((proof.amount, proof.proof_type, proof.state), (1000.0, 'spei', 'in_review'))
        self.assertEqual(str(proof.payment_date), '2026-06-13', "the message's date (UTC)")

    def test_refused_without_amount_file_or_known_sender(self):
        with self.assert_refused(ValidationError, 'does not say the amount'):
            self._receive('tesoreria@abarrotes-esperanza.example.com', 'Comprobante', [('ficha.pdf', PDF)])
        with self.assert_refused(ValidationError, 'carries no file'):
            self._receive('tesoreria@abarrotes-esperanza.example.com', 'Pago $500.00', [])
        with self.assert_refused(ValidationError, 'not a debtor'):
            self._receive('desconocido@example.com', 'Pago $500.00', [('ficha.pdf', PDF)])
        with self.assert_refused(ValidationError, 'not a PDF'):
            self._receive('tesoreria@abarrotes-esperanza.example.com', 'Pago $500.00', [('virus.exe', b'MZ\x90\x00')])
        self.assertFalse(self.Proof.search([('source', '=', 'email')]))
