from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..tools import contact_window as cw
from .common import CobranzaCommon


@tagged('post_install', '-at_install')
class TestAccess(CobranzaCommon):
    """What each role, and each pair of roles, reads and writes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_two_accounts()
        cls.account_b.collector_id = cls.collector_2
        cls.refund_b = cls.env['account.move'].create({
            'move_type': 'out_refund', 'partner_id': cls.customer_b.id, 'invoice_date': cls.run_date,
            'invoice_line_ids': [Command.create({'name': 'Bonificación', 'quantity': 1, 'price_unit': 100.0,
                                                 'tax_ids': [Command.clear()]})],
        })
        cls.refund_b.action_post()
        cls.bill = cls.env['account.move'].create({
            'move_type': 'in_invoice', 'partner_id': cls.customer_c.id, 'invoice_date': cls.run_date,
            'invoice_line_ids': [Command.create({'name': 'Renta de oficina', 'quantity': 1, 'price_unit': 9000.0,
                                                 'tax_ids': [Command.clear()]})],
        })
        cls.bill.action_post()
        accounts = cls.company_data
        cls.misc = cls.env['account.move'].create({
            'move_type': 'entry', 'journal_id': accounts['default_journal_misc'].id, 'date': cls.run_date,
            'line_ids': [
                Command.create({'name': 'Nómina', 'account_id': accounts['default_account_expense'].id,
                                'debit': 50000.0}),
                Command.create({'name': 'Nómina', 'account_id': accounts['default_account_revenue'].id,
                                'credit': 50000.0}),
            ],
        })
        cls.misc.action_post()
        billing = 'account.group_account_invoice'
        cls.users = {
            'collector': cls.collector_1,
            'collector+billing': cls._new_user('collector_billing', f'cobranza_mx.group_cobranza_collector,{billing}'),
            'supervisor': cls.supervisor,
            'supervisor+billing': cls._new_user('supervisor_billing',
                                                f'cobranza_mx.group_cobranza_supervisor,{billing}'),
            'billing': cls._new_user('billing_only', billing),
            'administrator': cls._new_user('collection_admin', 'cobranza_mx.group_cobranza_manager'),
        }

    def _readable(self, user, records):
        """The records of ``records`` that ``user`` may read (each tried on its own)."""
        readable = records.browse()
        for record in records:
            try:
                record.with_user(user).check_access('read')
            except AccessError:
                continue
            readable |= record
        return readable

    def test_who_reads_which_entries(self):
        """Each role and pair of roles reads the entries it needs, and their lines."""
        everything = self.invoice_a + self.invoice_b + self.refund_b + self.bill + self.misc
        customer_documents = self.invoice_a + self.invoice_b + self.refund_b
        expected = {
            'collector': self.invoice_a,
            # Billing is Odoo's own role: it reads every journal entry, whatever other role the user has.
            'collector+billing': everything,
            'supervisor': customer_documents,
            'supervisor+billing': everything,
            'billing': everything,
            'administrator': customer_documents,
        }
        for role, user in self.users.items():
            with self.subTest(role=role):
                if user.has_group('cobranza_mx.group_cobranza_collector'):
                    self.account_a.collector_id = user  # invoice A is of a customer assigned to them
                self.assertEqual(self._readable(user, everything), expected[role])
                self.assertEqual(self.env['account.move'].with_user(user).search([('id', 'in', everything.ids)]),
                                 expected[role])
                lines = self.env['account.move.line'].with_user(user).search([('move_id', 'in', everything.ids)])
                self.assertEqual(lines.move_id, expected[role])
                if role in ('supervisor', 'administrator'):
                    # Of the other customers' documents, supervisors read the receivable lines only.
                    others = (self.invoice_b + self.refund_b).line_ids
                    self.assertEqual(lines & others,
                                     others.filtered(lambda line: line.account_id.account_type == 'asset_receivable'))
                    self.assertEqual(lines & self.invoice_a.line_ids, self.invoice_a.line_ids)
                    with self.assertRaises(AccessError):
                        self.bill.line_ids[0].with_user(user).read(['balance'])
                if not user.has_group('account.group_account_invoice'):
                    with self.assertRaises(AccessError):
                        self.misc.with_user(user).read(['amount_total'])
        # A supervisor opens another customer's invoice as its form reads it.
        values = self.invoice_b.with_user(self.supervisor).web_read({
            'name': {}, 'amount_residual': {}, 'partner_id': {'fields': {'display_name': {}}},
            'invoice_line_ids': {'fields': {'name': {}, 'price_subtotal': {}}}, 'tax_totals': {},
            'line_ids': {'fields': {'balance': {}}}})
        self.assertEqual(values[0]['amount_residual'], 1000.0)

    def test_run_figures_cannot_be_written(self):
        admin = self.users['administrator']
        for user in (self.supervisor, admin):
            with self.subTest(user=user.login):
                with self.assertRaises(UserError):
                    self.account_b.with_user(user).write({'total_due': 1})
                with self.assertRaises(UserError):
                    self.account_b.with_user(user).write({'stage_id': self.stage_judicial.id, 'priority': 99})
                with self.assertRaises(UserError):
                    self.env['cobranza.account'].with_user(user).create({
                        'partner_id': self.customer_c.id, 'total_overdue': 5000.0})
        run = self.env['cobranza.run'].search([('company_id', '=', self.company.id)], limit=1)
        for user in (self.supervisor, admin):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                run.with_user(user).write({'evaluated_count': 0, 'state': 'done', 'log': 'nada'})
        self.assertEqual(self.account_b.total_due, 1000.0)
        # A billing user may edit invoices, not the stage the run gave them.
        stage = self.invoice_b.cobranza_stage_id
        for user in (self.users['billing'], admin):
            with self.subTest(user=user.login):
                with self.assertRaises(UserError):
                    self.invoice_b.with_user(user).write({'cobranza_stage_id': self.stage_preventive.id})
                with self.assertRaises(UserError):
                    self.invoice_b.with_user(user).write({'cobranza_next_action_date': self.run_date})
        self.assertEqual(self.invoice_b.cobranza_stage_id, stage)
        self.invoice_b.with_user(self.users['billing']).write({'ref': 'OC-4471'})
        self.assertEqual(self.invoice_b.ref, 'OC-4471')
        # What people set stays writable.
        self.account_b.with_user(self.supervisor).write({'collector_id': self.collector_1.id})
        self.assertEqual(self.account_b.collector_id, self.collector_1)

    def test_assign_respects_company(self):
        other = self.setup_other_company(name='Distribuidora del Sur S.A. de C.V.')['company']
        invoice = self._invoice(self.customer_a, self.run_date - timedelta(days=40), company=other)
        self._run(company=other)
        other_account = invoice.cobranza_account_id
        self.env['cobranza.assignment.rule'].create({
            'name': 'Sur', 'company_id': other.id, 'collector_ids': [Command.set(self.collector_1.ids)]})
        as_supervisor = other_account.with_user(self.supervisor)
        with self.assertRaises(AccessError):
            as_supervisor._assign_collector(self.collector_1)
        with self.assertRaises(AccessError):
            as_supervisor.action_apply_assignment_rules()
        with self.assertRaises(AccessError):
            self.env['cobranza.assign.wizard'].with_user(self.supervisor).with_context(
                active_model='cobranza.account', active_ids=other_account.ids).create({
                    'collector_id': self.collector_1.id})
        self.assertFalse(other_account.collector_id)
        # Within their own company the same calls work.
        self.account_b.with_user(self.supervisor)._assign_collector(self.collector_1)
        self.assertEqual(self.account_b.collector_id, self.collector_1)

    def test_stage_actions_follow_company(self):
        other = self.setup_other_company(name='Distribuidora del Sur S.A. de C.V.')['company']
        policy = self.policy.copy({'name': 'Política Sur', 'company_id': other.id})
        action = self.env['cobranza.stage.action'].create({
            'stage_id': policy.stage_ids[0].id, 'activity_summary': 'Llamar'})
        self.assertEqual(action.company_id, other)
        # The default policy serves every company: so do its stages' actions.
        here = self.env['cobranza.stage.action'].create({
            'stage_id': self.stage_administrative.id, 'activity_summary': 'Llamar'})
        self.assertFalse(here.company_id)
        manager = self.users['administrator']
        visible = self.env['cobranza.stage.action'].with_user(manager).search([('id', 'in', (action + here).ids)])
        self.assertEqual(visible, here)
        with self.assertRaises(AccessError):
            action.with_user(manager).read(['name'])

    def test_daily_cap_is_per_company(self):
        other = self.setup_other_company(name='Distribuidora del Sur S.A. de C.V.')['company']
        now = datetime(2026, 6, 15, 17, 0)
        Log = self.env['cobranza.contact.log'].sudo()
        Log.create({'date': now - timedelta(hours=2), 'company_id': other.id, 'partner_id': self.customer_a.id,
                    'channel': 'email', 'result': 'sent'})
        rule = self.env.ref('cobranza_mx.reminder_rule_due')
        reminder = self.env['cobranza.reminder'].sudo().create({
            'company_id': self.company.id, 'partner_id': self.customer_a.id, 'account_id': self.account_a.id,
            'move_id': self.invoice_a.id, 'rule_id': rule.id, 'channel': 'email', 'due_at': now, 'scheduled_at': now,
        })
        window = cw.ContactWindow(start=7.0, end=22.0, weekdays=frozenset(range(7)))
        tz = 'America/Mexico_City'
        self.assertIsNone(reminder._next_allowed_by_cap(reminder._batch_context(now), window, tz, 1),
                          "a message of another company does not count against this company's cap")
        Log.create({'date': now - timedelta(hours=1), 'company_id': self.company.id,
                    'partner_id': self.customer_a.id, 'channel': 'email', 'result': 'sent'})
        self.assertTrue(reminder._next_allowed_by_cap(reminder._batch_context(now), window, tz, 1))

    def _evidence(self, rule, moves):
        reminder = self.env['cobranza.reminder'].sudo().create({
            'company_id': self.company.id, 'partner_id': self.customer_a.id, 'account_id': self.account_a.id,
            'move_id': self.invoice_a.id, 'rule_id': rule.id, 'channel': 'email',
            'due_at': fields.Datetime.now(), 'scheduled_at': fields.Datetime.now(),
        })
        return self.env['cobranza.contact.log'].sudo().create({
            'company_id': self.company.id, 'partner_id': self.customer_a.id, 'account_id': self.account_a.id,
            'reminder_id': reminder.id, 'rule_id': rule.id, 'user_id': self.collector_1.id,
            'move_ids': [Command.set(moves.ids)], 'channel': 'email', 'result': 'sent', 'body': 'Hola',
        })

    def test_evidence_is_kept(self):
        """What the contact log refers to is archived, never deleted."""
        rule = self.env.ref('cobranza_mx.reminder_rule_due')
        # An invoice that was reminded and then reset to draft (the last of its sequence, so Odoo itself
        # would let it go) keeps its place in the log too.
        reminded = self._invoice(self.customer_c, self.run_date)
        log = self._evidence(rule, self.invoice_a + reminded)
        for references in ('account_id', 'reminder_id', 'rule_id', 'user_id'):
            self.assertEqual(log._fields[references].ondelete, 'restrict')
        reminded.button_draft()
        for record in (rule, self.policy, self.account_a, reminded):
            with self.subTest(model=record._name), self.assertRaisesRegex(UserError, 'Archive'):
                record.unlink()
        self.assertEqual((log.reminder_id.rule_id, log.account_id, log.user_id),
                         (rule, self.account_a, self.collector_1))
        self.assertEqual(log.move_ids, self.invoice_a + reminded)
        rule.action_archive()
        self.assertFalse(rule.active)
        # A rule that never sent anything is deleted with its pending reminders.
        unused = rule.copy({'name': 'Sin uso'})
        pending = self.env['cobranza.reminder'].sudo().create({
            'company_id': self.company.id, 'partner_id': self.customer_b.id, 'move_id': self.invoice_b.id,
            'rule_id': unused.id, 'channel': 'email', 'due_at': fields.Datetime.now(),
            'scheduled_at': fields.Datetime.now()})
        unused.unlink()
        self.assertFalse(pending.exists())

    def _reachable_menus(self, user):
        """The menu ids a user can reach from the top of the web client (``load_menus``)."""
        menus = self.env['ir.ui.menu'].with_user(user).load_menus(False)
        reachable, todo = set(), list(menus['root']['children'])
        while todo:
            menu_id = todo.pop()
            reachable.add(menu_id)
            todo.extend(menus[menu_id]['children'])
        return menus['root']['children'], reachable

    def test_collector_has_collections_app(self):
        root = self.env.ref('cobranza_mx.menu_cobranza_root')
        self.assertFalse(root.parent_id, "Collections is an app of its own")
        self.assertEqual(root.web_icon, 'cobranza_mx,static/description/icon.png')
        apps, menus = self._reachable_menus(self.collector_1)
        self.assertIn(root.id, apps)
        self.assertIn(self.env.ref('cobranza_mx.menu_cobranza_my').id, menus)
        for xmlid in ('account.menu_finance', 'account.menu_finance_payables',
                      'account.menu_action_move_in_invoice_type', 'account.menu_action_move_out_invoice_type'):
            self.assertNotIn(self.env.ref(xmlid).id, menus, xmlid)
        self.assertNotIn(self.env.ref('account.menu_finance').id, self.env['ir.ui.menu'].with_user(
            self.collector_1)._visible_menu_ids())
        # Supervisors have the whole app; those who also do the invoicing find it inside Invoicing too.
        apps, menus = self._reachable_menus(self.supervisor)
        self.assertIn(root.id, apps)
        self.assertIn(self.env.ref('cobranza_mx.menu_cobranza_accounts').id, menus)
        self.assertNotIn(self.env.ref('account.menu_finance').id, menus)
        both = self._new_user('supervisor_accountant', 'cobranza_mx.group_cobranza_supervisor,'
                                                       'account.group_account_invoice')
        apps, menus = self._reachable_menus(both)
        self.assertIn(self.env.ref('account.menu_finance').id, apps)
        self.assertIn(self.env.ref('cobranza_mx.menu_cobranza_finance_accounts').id, menus)
        self.assertIn(self.env.ref('cobranza_mx.menu_cobranza_accounts').id, menus)
        # A billing user without a collection role sees neither.
        _apps, menus = self._reachable_menus(self.users['billing'])
        self.assertNotIn(root.id, menus)
        self.assertNotIn(self.env.ref('cobranza_mx.menu_cobranza_finance').id, menus)


@tagged('post_install', '-at_install')
class TestReassignment(CobranzaCommon):
    """A new collector takes over the open activities of the old one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_two_accounts()
        cls.account_b.collector_id = cls.collector_2

    def _activity(self, record, user, summary):
        return self.env['mail.activity'].create({
            'res_model_id': self.env['ir.model']._get_id(record._name), 'res_id': record.id,
            'activity_type_id': self.env.ref('mail.mail_activity_data_call').id, 'summary': summary,
            'user_id': user.id, 'date_deadline': self.run_date,
        })

    def test_wizard_moves_activities(self):
        on_account = self._activity(self.account_a, self.collector_1, 'Llamar al cliente')
        on_invoice = self._activity(self.invoice_a, self.collector_1, 'Confirmar pago')
        someone_else = self._activity(self.account_a, self.supervisor, 'Revisar expediente')
        other_account = self._activity(self.account_b, self.collector_2, 'Visita')
        wizard = self.env['cobranza.assign.wizard'].with_user(self.supervisor).with_context(
            active_model='cobranza.account', active_ids=self.account_a.ids).create({
                'collector_id': self.collector_2.id})
        wizard.action_assign()
        self.assertEqual(self.account_a.collector_id, self.collector_2)
        self.assertEqual((on_account + on_invoice).user_id, self.collector_2)
        self.assertEqual(someone_else.user_id, self.supervisor, "only the old collector's activities move")
        self.assertEqual(other_account.user_id, self.collector_2)
        # The new collector opens them; the old one no longer sees the account.
        self.assertEqual(on_invoice.with_user(self.collector_2).res_name, self.invoice_a.name)
        self.assertFalse(self.env['mail.activity'].with_user(self.collector_1).search(
            [('res_model', '=', 'cobranza.account'), ('res_id', '=', self.account_a.id)]))

    def test_write_moves_activities(self):
        on_account = self._activity(self.account_b, self.collector_2, 'Llamar al cliente')
        on_invoice = self._activity(self.invoice_b, self.collector_2, 'Confirmar pago')
        done = self._activity(self.account_b, self.collector_2, 'Ya hecho')
        done.action_feedback(feedback='Contestó')
        self.account_b.with_user(self.supervisor).write({'collector_id': self.collector_1.id})
        self.assertEqual((on_account + on_invoice).user_id, self.collector_1)
        # Unassigning hands them to nobody.
        self.account_b.write({'collector_id': False})
        self.assertEqual((on_account + on_invoice).user_id, self.collector_1)
        # Through the assignment rules too.
        self.env['cobranza.assignment.rule'].create({
            'name': 'Todos', 'collector_ids': [Command.set(self.collector_2.ids)]})
        self.account_b.write({'collector_id': self.collector_1.id})
        self.account_b.with_user(self.supervisor).action_apply_assignment_rules()
        self.assertEqual(self.account_b.collector_id, self.collector_2)
        self.assertEqual((on_account + on_invoice).user_id, self.collector_2)
