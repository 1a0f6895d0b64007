import base64
from datetime import timedelta
from urllib.parse import unquote

from freezegun import freeze_time
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CobranzaCommon


@tagged('post_install', '-at_install')
class TestCollectorDay(CobranzaCommon):
    """Today's list, one-tap contacts inside the legal window, the contact form and disputes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a.write({'phone': '55 1234 5678', 'email': 'pagos@esperanza.mx',
                              'state_id': cls.env.ref('base.state_mx_df').id, 'lang': 'en_US'})
        cls._setup_three_accounts()
        cls.policy.supervisor_user_id = cls.supervisor
        # 17:00 UTC is 11:00 in Mexico City; 05:00 UTC is 23:00 of the day before there.
        cls.inside = f'{cls.run_date} 17:00:00'
        cls.outside = f'{cls.run_date} 05:00:00'

    def _today(self, user, day=None):
        return self.env['cobranza.account'].with_user(user).with_context(cobranza_date=day or self.run_date).search(
            [('collector_id', '=', user.id), ('in_today', '=', True)], order='work_order')

    def _log(self, account, user=None, **values):
        wizard = Form(self.env['cobranza.contact.wizard'].with_user(user or self.collector_1).with_context(
            default_account_id=account.id))
        for name, value in values.items():
            setattr(wizard, name, value)
        return wizard.save().action_log()

    def test_today_list_and_order(self):
        self.assertEqual(self._today(self.collector_1), self.account_c + self.account_a,
                         "most overdue first; never another collector's account")
        self.assertEqual(self.account_c.with_context(cobranza_date=self.run_date).work_order, 1)
        self.assertIn('Overdue, no next step', self.account_a.with_context(cobranza_date=self.run_date).today_reason)
        # A broken promise goes first, whatever the amount.
        with freeze_time(self.inside):
            self.policy.write({'contact_hour_start': 0.0, 'contact_hour_end': 24.0})
            self._log(self.account_a, result='promise', promise_amount=1000.0,
                      promise_date=self.run_date)
        promise = self.account_a.promise_ids
        promise._update_state(self.run_date + timedelta(days=1))
        self.assertEqual(promise.state, 'broken')
        self.account_a.sudo().next_step_date = self.run_date + timedelta(days=1)
        today = self._today(self.collector_1).with_context(cobranza_date=self.run_date + timedelta(days=1))
        ordered = today.search([('id', 'in', (self.account_a | self.account_c).ids)], order='work_order')
        self.assertEqual(ordered, self.account_a + self.account_c)
        self.assertEqual(ordered[0].promise_alert, 'broken')

    def test_uncollectable_candidates_go_to_the_supervisor(self):
        self.account_c.sudo().stage_id = self.stage_uncollectable
        self.assertEqual(self._today(self.collector_1), self.account_a)

    def test_a_next_step_in_the_future_leaves_today(self):
        with freeze_time(self.inside):
            self._log(self.account_a, result='no_answer', next_step='Llamar de nuevo',
                      next_step_date=self.run_date + timedelta(days=5))
        # Both accounts entered their stage on the run date: from two days later they are no longer new.
        later = self.run_date + timedelta(days=2)
        self.assertEqual(self._today(self.collector_1, later), self.account_c)
        self.assertEqual(self._today(self.collector_1, self.run_date + timedelta(days=5)),
                         self.account_c + self.account_a, "back on the day of the next step")
        self.assertEqual(self.account_a.last_contact_result, 'No answer')
        self.assertEqual(self.account_a.next_step, 'Llamar de nuevo')

    def test_call_records_the_attempt_inside_the_window(self):
        with freeze_time(self.inside):
            action = self.account_a.with_user(self.collector_1).action_cobranza_call()
        self.assertEqual(action['url'], 'tel:+525512345678')
        log = self.account_a.contact_log_ids
        self.assertEqual((log.channel, log.result, log.user_id), ('call_out', 'attempt', self.collector_1))
        self.assertEqual(log.local_time, f'{self.run_date} 11:00:00 America/Mexico_City')

    def test_call_refused_outside_the_window(self):
        with freeze_time(self.outside):
            action = self.account_a.with_user(self.collector_1).action_cobranza_call()
        self.assertEqual(action['tag'], 'display_notification')
        self.assertIn('Outside the legal contact window', action['params']['message'])
        self.assertIn('2026-06-15 07:00', action['params']['message'])
        log = self.account_a.contact_log_ids
        self.assertEqual((log.result, log.local_time), ('outside_window', '2026-06-14 23:00:00 America/Mexico_City'))
        with freeze_time(self.outside), self.assertRaisesRegex(UserError, 'Outside the legal contact window'):
            self._log(self.account_a, channel='call_out', result='no_answer')
        with freeze_time(self.outside):
            self._log(self.account_a, channel='call_in', result='contacted', note='Llamó el cliente')
        self.assertEqual(self.account_a.contact_log_ids[0].result, 'contacted', "an incoming call is always logged")

    def test_whatsapp_link_is_prefilled_and_compliant(self):
        with freeze_time(self.inside):
            action = self.account_a.with_user(self.collector_1).action_cobranza_whatsapp()
        self.assertTrue(action['url'].startswith('https://wa.me/525512345678?text='))
        text = unquote(action['url'].split('text=')[1])
        self.assertIn(self.company.name, text)
        self.assertIn('collector_1', text)
        self.assertIn('1,000.00', text)
        self.assertEqual(self.account_a.contact_log_ids.channel, 'whatsapp')
        self.env['cobranza.forbidden.term'].create({'term': 'balance'})
        with freeze_time(self.inside), self.assertRaisesRegex(UserError, 'forbidden'):
            self.account_a.with_user(self.collector_1).action_cobranza_whatsapp()

    def test_collector_cannot_log_on_another_collectors_debtor(self):
        with freeze_time(self.inside), self.assertRaises(AccessError):
            self._log(self.account_b, result='contacted')
        with freeze_time(self.inside), self.assertRaises(AccessError):
            self.account_b.with_user(self.collector_1).action_cobranza_call()
        self.assertFalse(self.account_b.contact_log_ids)
        with freeze_time(self.inside):
            self._log(self.account_a, result='voicemail')
        Log = self.env['cobranza.contact.log']
        self.assertEqual(Log.with_user(self.collector_1).search([]), self.account_a.contact_log_ids)
        self.assertFalse(Log.with_user(self.collector_2).search([]))
        self.assertEqual(Log.with_user(self.supervisor).search([]), self.account_a.contact_log_ids)
        with self.assertRaises(UserError):
            self.account_a.contact_log_ids.sudo().write({'note': 'cambiado'})

    def test_dispute_flagged_by_the_collector(self):
        with freeze_time(self.inside):
            self.env['cobranza.contact.wizard'].with_user(self.collector_1).create({
                'account_id': self.account_a.id, 'result': 'already_paid', 'note': 'Pagó en ventanilla el 10 de junio',
                'attachment': base64.b64encode(b'%PDF-1.4 comprobante'), 'attachment_name': 'comprobante.pdf',
            }).action_log()
        self.assertTrue(self.invoice_a.cobranza_excluded)
        self.assertEqual(self.invoice_a.cobranza_exclusion_reason, 'already_paid')
        attachment = self.env['ir.attachment'].search([('res_model', '=', 'account.move'),
                                                       ('res_id', '=', self.invoice_a.id)])
        self.assertEqual(attachment.name, 'comprobante.pdf')
        activity = self.invoice_a.activity_ids
        self.assertEqual(activity.user_id, self.supervisor)
        self.assertIn('Resolve', activity.summary)
        # Only the supervisor resolves it.
        with self.assertRaises(UserError):
            self.invoice_a.with_user(self.collector_1).action_cobranza_include()
        self.invoice_a.with_user(self.supervisor).action_cobranza_include()
        self.assertFalse(self.invoice_a.cobranza_excluded)
        # Not on another collector's invoices, not for other reasons.
        with self.assertRaises(UserError):
            self.invoice_b.with_user(self.collector_1)._cobranza_set_exclusion('dispute')
        with self.assertRaises(UserError):
            self.invoice_a.with_user(self.collector_1)._cobranza_set_exclusion('legal_hold')

    def test_statement_of_account(self):
        html = self.env['ir.actions.report'].with_context(cobranza_date=self.run_date)._render_qweb_html(
            'cobranza_mx.action_report_cobranza_statement', self.account_a.ids)[0].decode()
        self.assertIn('Statement of account', html)
        self.assertIn(self.invoice_a.name, html)
        self.assertIn('31-90 days', html)
        with freeze_time(self.inside):
            self.account_a.with_user(self.collector_1).action_cobranza_send_statement()
        mail = self.env['mail.mail'].search([('model', '=', 'cobranza.account'), ('res_id', '=', self.account_a.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer_a)
        # The PDF of the statement (Odoo's test mode renders reports without wkhtmltopdf, so only its name).
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertTrue(mail.attachment_ids.name.startswith('Estado de cuenta - Abarrotes La Esperanza'))
        log = self.account_a.contact_log_ids
        self.assertEqual((log.channel, log.result, log.recipient), ('email', 'statement_sent', 'pagos@esperanza.mx'))
        with freeze_time(self.outside):
            action = self.account_a.with_user(self.collector_1).action_cobranza_send_statement()
        self.assertEqual(action['params']['type'], 'warning')
        self.assertEqual(len(self.env['mail.mail'].search([('res_id', '=', self.account_a.id),
                                                           ('model', '=', 'cobranza.account')])), 1)

    def test_statement_in_the_debtors_language(self):
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        self.customer_a.lang = 'es_MX'
        html = self.env['ir.actions.report']._render_qweb_html(
            'cobranza_mx.action_report_cobranza_statement', self.account_a.ids)[0].decode()
        self.assertIn('Estado de cuenta', html)
        self.assertIn('Facturas abiertas', html)

    def test_contact_log_shows_rendered_text(self):
        Log = self.env['cobranza.contact.log'].sudo()
        html = Log.create({'company_id': self.company.id, 'partner_id': self.customer_a.id, 'channel': 'email',
                           'result': 'sent', 'body': '<p>Estimado <b>cliente</b></p><script>x()</script>'})
        self.assertIn('<b>cliente</b>', str(html.body_html))
        self.assertNotIn('<script>', str(html.body_html))
        text = Log.create({'company_id': self.company.id, 'partner_id': self.customer_a.id, 'channel': 'sms',
                           'result': 'sent', 'body': 'Hola\nsu saldo'})
        self.assertIn('<br>', str(text.body_html))

    def test_group_rows_do_not_add_priorities_or_days(self):
        groups = self.env['cobranza.account'].formatted_read_group(
            [], ['collector_id'], ['priority:sum', 'oldest_overdue_days:max', 'total_overdue:sum'])
        self.assertTrue(groups)
        fields_info = self.env['cobranza.account'].fields_get(['priority', 'oldest_overdue_days', 'total_overdue'],
                                                              ['aggregator'])
        self.assertNotIn('aggregator', fields_info['priority'])
        self.assertEqual(fields_info['oldest_overdue_days']['aggregator'], 'max')
        self.assertEqual(fields_info['total_overdue']['aggregator'], 'sum')

    def test_stage_search_matches_the_whole_name(self):
        view = self.env.ref('cobranza_mx.cobranza_account_view_search')
        arch = self.env['cobranza.account'].get_views([(view.id, 'search')])['views']['search']['arch']
        self.assertIn("('stage_id.name', '=ilike', self)", arch)
        judicial = self.env['cobranza.account'].search([('stage_id.name', '=ilike', 'Judicial')])
        self.assertFalse(judicial.filtered(lambda a: a.stage_id.code == 'extrajudicial'))

    def test_stage_action_names_are_translated(self):
        action = self.env.ref('cobranza_mx.stage_action_extrajudicial_call')
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        self.assertEqual(action.with_context(lang='es_MX').name,
                         'Programar una actividad - Llamar al deudor y negociar una promesa de pago')
        self.assertEqual(action.with_context(lang='en_US').name,
                         'Schedule an activity - Call the debtor and negotiate a promise to pay')
        action.with_context(lang='en_US').activity_type_id = self.env.ref('mail.mail_activity_data_todo')
        self.assertEqual(action.with_context(lang='es_MX').name,
                         'Programar una actividad - Llamar al deudor y negociar una promesa de pago')
        action.name = 'Llamada de negociación'
        action.activity_deadline_days = 3
        self.assertEqual(action.with_context(lang='en_US').name, 'Llamada de negociación', "a hand-written name stays")
