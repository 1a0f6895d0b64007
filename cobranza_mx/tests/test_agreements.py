from datetime import date, timedelta

from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .test_reminders import ReminderCommon, local

TZ = 'America/Mexico_City'


class AgreementCommon(ReminderCommon):
    """Customer A (collector 1) owes two invoices of 1,000 and 2,000; B (collector 2) one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = date(2026, 6, 15)
        cls.invoice_a = cls._invoice(cls.customer_a, date(2026, 5, 6))
        cls.invoice_a2 = cls._invoice(cls.customer_a, date(2026, 6, 1), amount=2000.0)
        cls.invoice_b = cls._invoice(cls.customer_b, date(2026, 5, 1), amount=1500.0)
        cls.env['cobranza.run']._run_for_company(cls.company, run_date=cls.today)
        cls.account_a = cls.invoice_a.cobranza_account_id
        cls.account_b = cls.invoice_b.cobranza_account_id
        cls.account_a.collector_id = cls.collector_1
        cls.account_b.collector_id = cls.collector_2
        cls.policy.write({'contact_hour_start': 0.0, 'contact_hour_end': 24.0,
                          'supervisor_user_id': cls.supervisor.id, 'agreement_grace_days': 5})
        cls.manager = cls._new_user('manager_1', 'cobranza_mx.group_cobranza_manager')
        cls.Agreement = cls.env['cobranza.agreement']

    def _agreement(self, user=None, moves=None, count=3, first=date(2026, 6, 20), frequency='monthly', **vals):
        user = user or self.collector_1
        moves = moves or (self.invoice_a | self.invoice_a2)
        with freeze_time(f'{self.today} 17:00:00'):
            agreement = self.Agreement.with_user(user).create({
                'account_id': moves.cobranza_account_id.id, 'move_ids': [Command.set(moves.ids)],
                'installment_count': count, 'first_date': first, 'frequency': frequency, **vals})
            agreement.action_generate_installments()
        return agreement

    def _confirm(self, agreement, user=None):
        with freeze_time(f'{self.today} 17:00:00'):
            agreement.with_user(user or agreement.user_id).action_confirm()
        return agreement

    def _pay(self, invoice, amount, day):
        with freeze_time(f'{day} 17:00:00'):
            self.env['account.payment.register'].with_context(active_model='account.move', active_ids=invoice.ids) \
                .create({'payment_date': day, 'amount': amount})._create_payments()

    def _pay_lines(self, lines, amount, day):
        with freeze_time(f'{day} 17:00:00'):
            self.env['account.payment.register'].with_context(
                active_model='account.move.line', active_ids=lines.ids) \
                .create({'payment_date': day, 'amount': amount})._create_payments()

    def _cron(self, xmlid, day):
        cron = self.env.ref(xmlid)
        with freeze_time(f'{day} 13:30:00'), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()

    def _results(self, record):
        field = 'agreement_id' if record._name == 'cobranza.agreement' else 'condonation_id'
        return self.env['cobranza.contact.log'].search([(field, '=', record.id)], order='id').mapped('result')


@tagged('post_install', '-at_install')
class TestAgreements(AgreementCommon):

    def test_three_installments_kept_complete_and_close_the_invoices(self):
        agreement = self._agreement()
        self.assertEqual(agreement.amount_total, 3000.0)
        self.assertEqual(agreement.installment_ids.mapped('amount'), [1000.0, 1000.0, 1000.0])
        self.assertEqual(agreement.installment_ids.mapped('date'),
                         [date(2026, 6, 20), date(2026, 7, 20), date(2026, 8, 20)])
        self._confirm(agreement)
        self.assertEqual(agreement.state, 'active', "3 months are within the collector's 6")
        self.assertEqual(agreement.approver_id, self.collector_1)
        moves = self.invoice_a | self.invoice_a2
        self.assertEqual(set(moves.mapped('cobranza_exclusion_reason')), {'agreement'})
        self.assertTrue(all(moves.mapped('cobranza_excluded')))
        run = self._run(date(2026, 6, 16))
        self.assertEqual(run.excluded_count, 2, "the stage run skips the covered invoices")
        self._pay(self.invoice_a, 1000.0, date(2026, 6, 19))
        self.assertEqual(agreement.installment_ids[0].state, 'paid')
        self.assertEqual(agreement.installment_ids[1].state, 'pending')
        self._pay(self.invoice_a2, 1000.0, date(2026, 7, 20))
        self._cron('cobranza_mx.ir_cron_cobranza_agreements', date(2026, 7, 28))
        self.assertEqual(agreement.state, 'active')
        self.assertEqual(agreement.installment_ids.mapped('state'), ['paid', 'paid', 'pending'])
        self._pay(self.invoice_a2, 1000.0, date(2026, 8, 18))
        self.assertEqual(agreement.state, 'completed')
        self.assertEqual(agreement.amount_paid, 3000.0)
        self.assertTrue(all(state in ('paid', 'in_payment') for state in moves.mapped('payment_state')))
        self.assertEqual(sum(moves.mapped('amount_residual')), 0.0, "the invoices are closed")
        self.assertFalse(any(moves.mapped('cobranza_excluded')))
        self.assertEqual(self._results(agreement), [
            'agreement_proposed', 'agreement_active', 'agreement_installment_paid', 'agreement_installment_paid',
            'agreement_installment_paid', 'agreement_completed'])

    def test_second_installment_late_breaks_and_collection_resumes(self):
        self.rule_weekly.active = True
        agreement = self._confirm(self._agreement())
        self._pay(self.invoice_a, 1000.0, date(2026, 6, 20))
        # Excluded: the weekly overdue reminder is not created for the covered invoices.
        self._process(local(TZ, 2026, 7, 1, 10, 0))
        self.assertFalse(self.Reminder.search([('move_id', 'in', (self.invoice_a | self.invoice_a2).ids),
                                               ('installment_id', '=', False)]))
        self._cron('cobranza_mx.ir_cron_cobranza_agreements', date(2026, 7, 25))
        self.assertEqual(agreement.state, 'active', "five days of grace after 20 July")
        self._cron('cobranza_mx.ir_cron_cobranza_agreements', date(2026, 7, 26))
        self.assertEqual(agreement.state, 'broken')
        self.assertEqual(agreement.installment_ids.mapped('state'), ['paid', 'late', 'pending'])
        self.assertEqual(agreement.end_date, date(2026, 7, 26))
        moves = self.invoice_a | self.invoice_a2
        self.assertFalse(any(moves.mapped('cobranza_excluded')), "excluded no more")
        activities = agreement.activity_ids
        self.assertEqual(set(activities.mapped('user_id').ids), {self.collector_1.id, self.supervisor.id})
        self.assertIn('agreement_broken', self._results(agreement))
        # Stages and reminders resume: the run places them again, the weekly reminder comes.
        run = self._run(date(2026, 7, 27))
        self.assertEqual(run.excluded_count, 0)
        self.assertEqual(self.invoice_a2.cobranza_stage_id, self.stage_administrative)
        self._process(local(TZ, 2026, 7, 27, 10, 0))
        self.assertTrue(self.Reminder.search([('move_id', '=', self.invoice_a2.id), ('installment_id', '=', False)]))

    def test_a_larger_payment_spills_to_the_next_installment(self):
        agreement = self._confirm(self._agreement())
        self._pay(self.invoice_a2, 1500.0, date(2026, 6, 18))
        first, second, third = agreement.installment_ids
        self.assertEqual((first.paid_amount, first.state), (1000.0, 'paid'))
        self.assertEqual((second.paid_amount, second.state), (500.0, 'partial'))
        self.assertEqual((third.paid_amount, third.state), (0.0, 'pending'))
        self.assertEqual(agreement.amount_left, 1500.0)
        self._pay(self.invoice_a2, 500.0, date(2026, 7, 1))
        self._pay(self.invoice_a, 1000.0, date(2026, 7, 2))
        self.assertEqual(agreement.state, 'completed', "paid ahead of the schedule")

    def test_schedule_is_editable_and_checked(self):
        agreement = self._agreement(down_payment=600.0, count=2, first=date(2026, 7, 1),
                                    down_payment_date=date(2026, 6, 16))
        self.assertEqual(agreement.installment_ids.mapped('amount'), [600.0, 1200.0, 1200.0])
        self.assertTrue(agreement.installment_ids[0].down_payment)
        agreement.installment_ids[1].with_user(self.collector_1).amount = 1000.0
        with self.assertRaisesRegex(ValidationError, 'adjust them'):
            self._confirm(agreement)
        agreement.installment_ids[2].with_user(self.collector_1).amount = 1400.0
        self._confirm(agreement)
        self.assertEqual(agreement.state, 'active')
        with self.assertRaisesRegex(UserError, 'draft'):
            agreement.installment_ids[2].with_user(self.collector_1).amount = 1000.0
        with self.assertRaisesRegex(UserError, 'already covered'):
            self._confirm(self._agreement(moves=self.invoice_a))

    def test_interest_is_invoiced_and_followed(self):
        income = self.company_data['default_account_revenue']
        self.policy.with_company(self.company).agreement_interest_account_id = income
        agreement = self._agreement(moves=self.invoice_a, count=2, interest_rate=2.0)
        self.assertEqual(agreement.amount_interest, 30.1, "2 % of 1,000, then of the 504.95 left")
        self._confirm(agreement)
        interest = agreement.interest_move_id
        self.assertEqual((interest.move_type, interest.amount_total, interest.state), ('out_invoice', 30.1, 'posted'))
        self.assertIn(interest, agreement.move_ids)
        self.assertEqual(interest.cobranza_exclusion_reason, 'agreement')
        self.assertEqual(agreement.residual_at_start, 1030.1)

    def test_installment_reminders_before_and_on_the_date(self):
        for xmlid in ('reminder_rule_installment_minus_48', 'reminder_rule_installment_due'):
            self.env.ref(f'cobranza_mx.{xmlid}').active = True
        agreement = self._confirm(self._agreement())
        second = agreement.installment_ids[1]
        cron = self.env.ref('cobranza_mx.ir_cron_cobranza_reminders')
        with freeze_time(local(TZ, 2026, 7, 18, 10, 0)), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()
        before = self.Reminder.search([('installment_id', '=', second.id)])
        self.assertEqual(before.mapped('channel'), ['email'])
        self.assertEqual(before.state, 'sent')
        self.assertEqual(before.move_id, self.invoice_a)
        self.assertIn(agreement.name, before.mail_id.subject)
        log = before.log_ids[:1]
        self.assertEqual(log.agreement_id, agreement)
        self._pay(self.invoice_a, 1000.0, date(2026, 7, 19))
        with freeze_time(local(TZ, 2026, 7, 20, 10, 0)), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()
        on_date = self.Reminder.search([('installment_id', '=', second.id)]) - before
        self.assertEqual(sorted(on_date.mapped('channel')), ['email', 'sms'])
        sms = on_date.filtered(lambda r: r.channel == 'sms')
        self.assertEqual(sms.state, 'sent')
        self.assertIn(agreement.name, sms.sms_id.body)
        self.assertIn('1,000.00', sms.sms_id.body)
        # Paid ahead: the agreement is completed and the third installment is never reminded.
        third = agreement.installment_ids[2]
        self._pay(self.invoice_a2, 2000.0, date(2026, 8, 1))
        self.assertEqual(agreement.state, 'completed')
        with freeze_time(local(TZ, 2026, 8, 18, 10, 0)), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertFalse(self.Reminder.search([('installment_id', '=', third.id)]))

    def test_restructure_entry_balances_moves_due_dates_and_reverses(self):
        agreement = self._agreement(agreement_type='restructure', count=3)
        self._confirm(agreement)
        entry = agreement.restructure_move_id
        self.assertEqual(entry.state, 'posted')
        self.assertEqual(entry.journal_id.type, 'general')
        self.assertAlmostEqual(sum(entry.line_ids.mapped('debit')), sum(entry.line_ids.mapped('credit')))
        moves = self.invoice_a | self.invoice_a2
        self.assertEqual(sum(moves.mapped('amount_residual')), 0.0, "the old receivables are closed")
        # What Odoo's aged receivable reads: the debtor's open receivable lines and their due dates.
        open_lines = self.env['account.move.line'].search([
            ('partner_id', '=', self.customer_a.id), ('account_id.account_type', '=', 'asset_receivable'),
            ('parent_state', '=', 'posted'), ('reconciled', '=', False)], order='date_maturity')
        self.assertEqual(open_lines.mapped('date_maturity'),
                         [date(2026, 6, 20), date(2026, 7, 20), date(2026, 8, 20)])
        self.assertEqual(open_lines.mapped('amount_residual'), [1000.0, 1000.0, 1000.0])
        self.assertEqual(open_lines.move_id, entry)
        # The run no longer collects the old invoices: they are closed.
        self._run(date(2026, 6, 16))
        self.assertFalse(self.account_a.invoice_ids)
        self.assertEqual(self.account_a.total_due, 0.0)
        with self.assertRaisesRegex(UserError, 'supervisors'):
            agreement.with_user(self.collector_1).action_reverse_restructure()
        with freeze_time('2026-06-17 17:00:00'):
            agreement.with_user(self.supervisor).action_reverse_restructure()
        self.assertEqual(agreement.state, 'cancelled')
        reversal = agreement.restructure_reversal_id
        self.assertEqual(reversal.reversed_entry_id, entry)
        self.assertEqual(moves.mapped('amount_residual'), [1000.0, 2000.0], "the invoices are due again")
        self.assertEqual(moves.mapped('invoice_date_due'), [date(2026, 5, 6), date(2026, 6, 1)])
        self.assertFalse(any(moves.mapped('cobranza_excluded')))
        self.assertEqual(self._results(agreement), ['agreement_proposed', 'restructure_posted', 'agreement_active',
                                                    'restructure_reversed', 'agreement_cancelled'])

    def test_restructure_broken_is_collected_by_its_installments(self):
        agreement = self._confirm(self._agreement(agreement_type='restructure', count=3))
        entry = agreement.sudo().restructure_move_id
        first = agreement.installment_ids[0]
        self._pay_lines(first.restructure_line_id, 1000.0, date(2026, 6, 20))
        self.assertEqual(first.state, 'paid')
        with self.assertRaisesRegex(UserError, 'payments'):
            agreement.with_user(self.supervisor).action_reverse_restructure()
        # While active: the invoices are excluded (and closed), the entry is not collected.
        run = self._run(date(2026, 7, 20))
        self.assertFalse(entry.cobranza_stage_id)
        self.assertEqual(set((self.invoice_a | self.invoice_a2).mapped('cobranza_exclusion_reason')), {'agreement'})
        self._cron('cobranza_mx.ir_cron_cobranza_agreements', date(2026, 7, 26))
        self.assertEqual(agreement.state, 'broken')
        self.assertFalse(agreement.restructure_reversal_id, "the new schedule stays: it is the debt")
        self.assertEqual(entry.state, 'posted')
        self.assertIn('restructure_collected', self._results(agreement))
        moves = self.invoice_a | self.invoice_a2
        self.assertEqual(moves.mapped('amount_residual'), [0.0, 0.0], "the old invoices stay closed")
        self.assertFalse(any(moves.mapped('cobranza_excluded')))
        # The run places the entry by its oldest unpaid installment (20 July: 7 days), not by the old invoices'
        # due dates (6 May: 82 days, extrajudicial).
        run = self._run(date(2026, 7, 27))
        self.assertEqual(run.excluded_count, 0)
        self.assertEqual(entry.cobranza_account_id, self.account_a)
        self.assertEqual(entry.cobranza_stage_id, self.stage_administrative)
        self.assertEqual(entry.cobranza_next_action_date, date(2026, 7, 20) + timedelta(days=61))
        self.assertFalse(moves.cobranza_stage_id)
        self.assertEqual(self.account_a.stage_id, self.stage_administrative)
        self.assertEqual(self.account_a.total_due, 2000.0)
        self.assertEqual(self.account_a.total_overdue, 1000.0, "only the installment of 20 July is overdue")
        self.assertEqual(self.account_a.oldest_overdue_days, 7)
        # 62 days after 20 July: extrajudicial, with both open installments overdue.
        self._run(date(2026, 9, 20))
        self.assertEqual(entry.cobranza_stage_id, self.stage_extrajudicial)
        self.assertEqual(self.account_a.stage_id, self.stage_extrajudicial)
        self.assertEqual(self.account_a.total_overdue, 2000.0)
        # Paid: the oldest unpaid installment is the third (20 August); then nothing is due and it leaves.
        self._pay_lines(agreement.installment_ids[1].restructure_line_id, 1000.0, date(2026, 9, 21))
        self._run(date(2026, 9, 22))
        self.assertEqual(self.account_a.oldest_overdue_days, 33)
        self.assertEqual(entry.cobranza_stage_id, self.stage_administrative)
        self._pay_lines(agreement.installment_ids[2].restructure_line_id, 1000.0, date(2026, 9, 23))
        run = self._run(date(2026, 9, 24))
        self.assertEqual(run.closed_count, 1)
        self.assertFalse(entry.cobranza_stage_id)
        self.assertEqual(self.account_a.total_due, 0.0)


@tagged('post_install', '-at_install')
class TestAgreementApproval(AgreementCommon):

    def test_collector_limit_goes_to_the_supervisor(self):
        agreement = self._confirm(self._agreement(count=9))
        self.assertEqual((agreement.state, agreement.required_role), ('to_approve', 'supervisor'))
        self.assertEqual(agreement.activity_ids.user_id, self.supervisor)
        self.assertFalse(self.invoice_a.cobranza_excluded, "nothing is excluded before approval")
        with self.assertRaisesRegex(UserError, 'someone else'):
            agreement.with_user(self.collector_1).action_approve()
        self.account_a.collector_id = self.collector_2
        with self.assertRaisesRegex(UserError, 'exceeds your approval limits'):
            agreement.with_user(self.collector_2).action_approve()
        with freeze_time(f'{self.today} 18:00:00'):
            agreement.with_user(self.supervisor).action_approve()
        self.assertEqual((agreement.state, agreement.approver_id), ('active', self.supervisor))
        self.assertEqual(self._results(agreement)[:4], ['agreement_proposed', 'agreement_submitted',
                                                        'agreement_approved', 'agreement_active'])

    def test_supervisor_limit_goes_to_the_administrator(self):
        agreement = self._confirm(self._agreement(user=self.supervisor, count=15))
        self.assertEqual((agreement.state, agreement.required_role), ('to_approve', 'manager'))
        self.assertEqual(agreement.activity_ids.user_id.mapped(lambda u: u.has_group(
            'cobranza_mx.group_cobranza_manager')), [True])
        with self.assertRaisesRegex(UserError, 'someone else'):
            agreement.with_user(self.supervisor).action_approve()
        agreement.with_user(self.manager).action_reject()
        self.assertEqual(agreement.state, 'draft')
        self._confirm(agreement)
        with freeze_time(f'{self.today} 18:00:00'):
            agreement.with_user(self.manager).action_approve()
        self.assertEqual(agreement.state, 'active')

    def test_administrator_has_no_limit(self):
        agreement = self._confirm(self._agreement(user=self.manager, count=24))
        self.assertEqual((agreement.state, agreement.required_role), ('active', 'manager'))

    def test_condonation_limits_by_role(self):
        Condonation = self.env['cobranza.condonation']

        def condone(user, percent):
            with freeze_time(f'{self.today} 17:00:00'):
                condonation = Condonation.with_user(user).create({
                    'account_id': self.account_a.id, 'move_ids': [Command.set(self.invoice_a.ids)],
                    'mode': 'percent', 'value': percent, 'reason': 'interest'})
                condonation.action_confirm()
            return condonation

        self.assertEqual(condone(self.collector_1, 5.0).state, 'applied')
        self.assertEqual(condone(self.collector_1, 6.0).required_role, 'supervisor')
        self.assertEqual(condone(self.supervisor, 20.0).state, 'applied')
        big = condone(self.supervisor, 30.0)
        self.assertEqual((big.state, big.required_role), ('to_approve', 'manager'))
        other_supervisor = self._new_user('supervisor_2', 'cobranza_mx.group_cobranza_supervisor')
        with self.assertRaisesRegex(UserError, 'exceeds'):
            big.with_user(other_supervisor).action_approve()
        big.with_user(self.manager).action_approve()
        self.assertEqual(big.state, 'applied')

    def test_collector_sees_only_own_debtors(self):
        mine = self._agreement()
        theirs = self._agreement(user=self.collector_2, moves=self.invoice_b)
        Agreement = self.Agreement.with_user(self.collector_1)
        self.assertEqual(Agreement.search([]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.collector_1).read(['name'])
        self.assertEqual(self.Agreement.with_user(self.supervisor).search([]), mine | theirs)
        self._confirm(mine)
        with self.assertRaises(UserError):
            mine.with_user(self.collector_1).unlink()


@tagged('post_install', '-at_install')
class TestCondonations(AgreementCommon):

    def _condonation(self, **vals):
        with freeze_time(f'{self.today} 17:00:00'):
            condonation = self.env['cobranza.condonation'].with_user(self.supervisor).create({
                'account_id': self.account_a.id, 'move_ids': [Command.set(self.invoice_a2.ids)],
                'mode': 'percent', 'value': 10.0, 'reason': 'penalties', 'note': 'Recargos de mayo',
                'conditional': True, 'condition_date': date(2026, 6, 30), **vals})
            condonation.action_confirm()
        return condonation

    def test_conditional_applied_when_the_rest_is_paid(self):
        condonation = self._condonation()
        self.assertEqual((condonation.state, condonation.amount, condonation.amount_to_pay),
                         ('waiting', 200.0, 1800.0))
        self.assertFalse(condonation.refund_ids, "nothing is forgiven before the payment")
        self._pay(self.invoice_a2, 1000.0, date(2026, 6, 20))
        self.assertEqual(condonation.state, 'waiting', "part of the rest is not the rest")
        self._pay(self.invoice_a2, 800.0, date(2026, 6, 28))
        self.assertEqual(condonation.state, 'applied')
        refund = condonation.refund_ids
        self.assertEqual((refund.move_type, refund.amount_total, refund.state), ('out_refund', 200.0, 'posted'))
        self.assertEqual(refund.reversed_entry_id, self.invoice_a2)
        self.assertIn('Late fees and penalties', refund.ref)
        self.assertIn('Recargos de mayo', refund.ref)
        self.assertEqual(self.invoice_a2.amount_residual, 0.0)
        self.assertEqual(self._results(condonation), ['condonation_proposed', 'condonation_applied'])

    def test_conditional_cancelled_when_the_date_passes(self):
        condonation = self._condonation()
        self._pay(self.invoice_a2, 1000.0, date(2026, 6, 20))
        self._cron('cobranza_mx.ir_cron_cobranza_condonations', date(2026, 6, 30))
        self.assertEqual(condonation.state, 'waiting', "the last day is not over")
        self._cron('cobranza_mx.ir_cron_cobranza_condonations', date(2026, 7, 1))
        self.assertEqual(condonation.state, 'cancelled')
        self.assertFalse(condonation.refund_ids)
        self.assertEqual(self.invoice_a2.amount_residual, 1000.0)
        self.assertEqual(self._results(condonation)[-1], 'condonation_cancelled')

    def test_amount_spread_over_invoices(self):
        condonation = self._condonation(move_ids=[Command.set((self.invoice_a | self.invoice_a2).ids)], mode='amount',
                                        value=300.0, conditional=False)
        self.assertEqual(condonation.state, 'applied')
        self.assertEqual(sorted(condonation.line_ids.mapped('amount')), [100.0, 200.0])
        self.assertEqual((self.invoice_a | self.invoice_a2).mapped('amount_residual'), [900.0, 1800.0])
        with self.assertRaisesRegex(ValidationError, 'no more than what is due'):
            self._condonation(mode='amount', value=5000.0, conditional=False)

    def test_condonation_is_no_payment_of_an_agreement(self):
        agreement = self._confirm(self._agreement(moves=self.invoice_a2, count=2, first=date(2026, 6, 20)))
        self._condonation(mode='amount', value=100.0, conditional=False)
        self.assertEqual(agreement.amount_paid, 0.0)
        self.assertEqual(agreement.installment_ids.mapped('state'), ['pending', 'pending'])


@tagged('post_install', '-at_install')
class TestAgreementReport(AgreementCommon):

    def test_agreement_document_in_spanish(self):
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        self.customer_a.write({'lang': 'es_MX', 'vat': 'ALE010101AB1'})
        agreement = self._confirm(self._agreement(conditions="El deudor entrega cheques posfechados."))
        html = self.env['ir.actions.report']._render_qweb_html(
            'cobranza_mx.report_cobranza_agreement', agreement.ids)[0].decode()
        for text in ('Convenio de pago', agreement.name, self.customer_a.name, 'ALE010101AB1', self.invoice_a.name,
                     self.invoice_a2.name, 'TRES MIL PESOS 00/100 M.N.', 'MIL PESOS 00/100 M.N.',
                     'Calendario de pagos', 'cheques posfechados', 'El deudor', 'El acreedor'):
            self.assertIn(text, html)

    def test_signed_copy_is_logged(self):
        agreement = self._confirm(self._agreement())
        agreement.with_user(self.collector_1).write({'signed_document': b'JVBERi0xLjQKJSVFT0YK',
                                                     'signed_document_name': 'convenio_firmado.pdf'})
        self.assertEqual(self._results(agreement)[-1], 'agreement_signed')


@tagged('post_install', '-at_install')
class TestUsdRestructure(AgreementCommon):
    """A restructure of USD invoices: the entry in dollars (amount_currency), at the invoices' carrying value."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.env.ref('base.USD')
        cls.usd.active = True
        cls.env['res.currency.rate'].create([
            {'name': date(2026, 5, 1), 'rate': 1 / 18.5, 'currency_id': cls.usd.id, 'company_id': cls.company.id},
            {'name': date(2026, 6, 10), 'rate': 1 / 19.0, 'currency_id': cls.usd.id, 'company_id': cls.company.id},
        ])
        cls.invoice_usd = cls._invoice(cls.customer_c, date(2026, 5, 20), amount=1000.0, currency=cls.usd,
                                       invoice_date=date(2026, 5, 6))
        cls.env['cobranza.run']._run_for_company(cls.company, run_date=cls.today)

    def test_broken_restructure_keeps_reminding_its_installments(self):
        """Broken, a restructure's entry stays the debt: its unpaid installments are still reminded, each
        followed by its receivable line (paid line: no reminder); a cancelled agreement's stop."""
        for xmlid in ('reminder_rule_installment_minus_48', 'reminder_rule_installment_due'):
            self.env.ref(f'cobranza_mx.{xmlid}').active = True
        agreement = self._confirm(self._agreement(agreement_type='restructure', count=3))
        first, second, third = agreement.installment_ids
        self._pay_lines(first.restructure_line_id, 1000.0, date(2026, 6, 20))
        cron = self.env.ref('cobranza_mx.ir_cron_cobranza_reminders')
        # 18 July, 48 h before the second installment: reminded while active.
        with freeze_time(local(TZ, 2026, 7, 18, 10, 0)), self.enter_registry_test_mode():
            self.assertIs(cron.method_direct_trigger(), True)
        self.assertEqual(self.Reminder.search([('installment_id', '=', second.id)]).mapped('state'), ['sent'])
        self._cron('cobranza_mx.ir_cron_cobranza_agreements', date(2026, 7, 26))
        self.assertEqual(agreement.state, 'broken')
        # 18 August, 48 h before the third: still reminded, for what its line still owes.
        with freeze_time(local(TZ, 2026, 8, 18, 10, 0)), self.enter_registry_test_mode():
            self.assertIs(cron.method_direct_trigger(), True)
        self.env.invalidate_all()
        reminder = self.Reminder.search([('installment_id', '=', third.id)])
        self.assertEqual((reminder.channel, reminder.state), ('email', 'sent'), reminder.reason)
        self.assertIn(agreement.name, reminder.mail_id.subject)
        self.assertIn('1,000.00', reminder._placeholders()['amount'])
        # The third installment's line paid the day before its date: nothing on the date.
        self._pay_lines(third.restructure_line_id, 1000.0, date(2026, 8, 19))
        with freeze_time(local(TZ, 2026, 8, 20, 10, 0)), self.enter_registry_test_mode():
            self.assertIs(cron.method_direct_trigger(), True)
        self.env.invalidate_all()
        self.assertEqual(self.Reminder.search([('installment_id', '=', third.id)]), reminder)
        # A cancelled (non-restructure) agreement's installments are not reminded any more.
        other = self._confirm(self._agreement(moves=self.invoice_b, user=self.collector_2, count=2,
                                              first=date(2026, 8, 22)))
        self.assertEqual(other.state, 'active')
        self.assertTrue(other._reminds_installments())
        with freeze_time('2026-08-19 17:00:00'):
            other.with_user(self.supervisor).action_cancel()
        self.assertFalse(other._reminds_installments())
        with freeze_time(local(TZ, 2026, 8, 20, 10, 0)), self.enter_registry_test_mode():
            self.assertIs(cron.method_direct_trigger(), True)
        self.assertFalse(self.Reminder.search([('installment_id', 'in', other.installment_ids.ids)]))

    def test_usd_restructure_balances_and_reverses(self):
        self.assertAlmostEqual(self.invoice_usd.amount_residual_signed, 18500.0, places=2)
        agreement = self._agreement(user=self.supervisor, moves=self.invoice_usd, agreement_type='restructure',
                                    count=2)
        self.assertEqual(agreement.currency_id, self.usd)
        self.assertEqual(agreement.amount_total, 1000.0, "the debt in the invoices' currency")
        self.assertEqual(agreement.installment_ids.mapped('amount'), [500.0, 500.0])
        self._confirm(agreement)
        self.assertEqual(agreement.state, 'active')
        entry = agreement.sudo().restructure_move_id
        lines = entry.line_ids
        self.assertEqual(lines.currency_id, self.usd)
        self.assertAlmostEqual(sum(lines.mapped('debit')), sum(lines.mapped('credit')), places=2)
        self.assertAlmostEqual(sum(lines.mapped('amount_currency')), 0.0, places=2)
        opening = agreement.sudo().installment_ids.restructure_line_id
        self.assertEqual(opening.mapped('amount_currency'), [500.0, 500.0])
        self.assertEqual(opening.mapped('balance'), [9250.0, 9250.0], "at the invoice's rate: no exchange difference")
        self.assertEqual(opening.mapped('date_maturity'), [date(2026, 6, 20), date(2026, 7, 20)])
        self.assertEqual(self.invoice_usd.amount_residual, 0.0, "closed by the restructure")
        self.assertFalse(entry.line_ids.filtered(lambda line: line.account_id.account_type == 'asset_receivable'
                                                 and line.balance < 0 and not line.reconciled))
        # Reversed while nothing is paid: the USD invoice is due again, in dollars and at its own rate.
        with freeze_time('2026-06-17 17:00:00'):
            agreement.with_user(self.supervisor).action_reverse_restructure()
        self.assertEqual(agreement.state, 'cancelled')
        self.assertEqual(agreement.sudo().restructure_reversal_id.reversed_entry_id, entry)
        self.assertEqual(self.invoice_usd.amount_residual, 1000.0)
        self.assertAlmostEqual(self.invoice_usd.amount_residual_signed, 18500.0, places=2)
        # A new restructure is paid in dollars, installment by installment.
        again = self._confirm(self._agreement(user=self.supervisor, moves=self.invoice_usd,
                                              agreement_type='restructure', count=2))
        first = again.sudo().installment_ids[0]
        self._pay_lines(first.restructure_line_id, 500.0, date(2026, 6, 20))
        self.assertEqual(first.state, 'paid')
        self.assertEqual(again.amount_paid, 500.0)
        self.assertEqual(again.state, 'active')
