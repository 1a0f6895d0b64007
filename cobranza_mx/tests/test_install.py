import importlib.util
from datetime import timedelta
from pathlib import Path

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from odoo.addons.cobranza_mx.tools.contact_window import MX_STATE_TZ

from .common import CobranzaCommon


@tagged('post_install', '-at_install')
class TestInstall(CobranzaCommon):

    def test_groups_implication_chain(self):
        collector = self.env.ref('cobranza_mx.group_cobranza_collector')
        supervisor = self.env.ref('cobranza_mx.group_cobranza_supervisor')
        manager = self.env.ref('cobranza_mx.group_cobranza_manager')
        self.assertEqual(supervisor.implied_ids, collector)
        self.assertEqual(manager.implied_ids, supervisor)
        self.assertIn(self.env.ref('base.group_user'), collector.implied_ids)
        self.assertEqual(collector.privilege_id, manager.privilege_id)
        self.assertTrue(collector.privilege_id)
        self.assertIn(manager, self.env.ref('base.user_admin').all_group_ids)
        # A supervisor inherits the collector group, not the administrator group.
        self.assertIn(collector, self.supervisor.all_group_ids)
        self.assertNotIn(manager, self.supervisor.all_group_ids)

    def test_collector_sees_collections_menu(self):
        menus = self.env['ir.ui.menu'].with_user(self.collector_1)._visible_menu_ids()
        self.assertIn(self.env.ref('cobranza_mx.menu_cobranza_root').id, menus)
        self.assertIn(self.env.ref('cobranza_mx.menu_cobranza_my').id, menus)
        # Collectors have the Collections app, not Invoicing (vendor bills and their upload button).
        self.assertNotIn(self.env.ref('account.menu_finance').id, menus)
        # Configuration stays for supervisors and administrators.
        self.assertNotIn(self.env.ref('cobranza_mx.menu_cobranza_config').id, menus)
        self.assertNotIn(self.env.ref('cobranza_mx.menu_cobranza_run_now').id, menus)
        supervisor_menus = self.env['ir.ui.menu'].with_user(self.supervisor)._visible_menu_ids()
        self.assertIn(self.env.ref('cobranza_mx.menu_cobranza_config').id, supervisor_menus)
        self.assertNotIn(self.env.ref('cobranza_mx.menu_cobranza_policies').id, supervisor_menus)
        # The worklist action loads for the collector, as the web client does when the menu is clicked.
        action = self.env['ir.actions.act_window'].with_user(self.collector_1)._for_xml_id(
            'cobranza_mx.cobranza_account_action_my')
        self.assertEqual(action['res_model'], 'cobranza.account')
        self.env['cobranza.account'].with_user(self.collector_1).web_search_read(
            domain=[('collector_id', '=', self.collector_1.id)], specification={'display_name': {}})

    def test_spanish_translations(self):
        """Users working in es_MX see the collection vocabulary in Spanish."""
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        es = self.env['cobranza.stage'].with_context(lang='es_MX')
        self.assertEqual(es.browse(self.stage_preventive.id).name, 'Preventiva')
        self.assertEqual(es.browse(self.stage_administrative.id).name, 'Administrativa')
        self.assertEqual(self.env.ref('cobranza_mx.menu_cobranza_root').with_context(lang='es_MX').name, 'Cobranza')
        self.assertEqual(self.env.ref('cobranza_mx.group_cobranza_collector').with_context(lang='es_MX').name,
                         'Gestor de cobranza')
        self.assertEqual(self.stage_preventive.with_context(lang='en_US').name, 'Preventive')

    def test_access_rights(self):
        Account = self.env['cobranza.account']
        self.assertTrue(Account.with_user(self.collector_1).has_access('read'))
        self.assertFalse(Account.with_user(self.collector_1).has_access('write'))
        self.assertTrue(Account.with_user(self.supervisor).has_access('write'))
        self.assertFalse(self.env['cobranza.policy'].with_user(self.supervisor).has_access('write'))
        self.assertTrue(self.env['cobranza.policy'].has_access('write'))
        self.assertFalse(self.env['cobranza.stage.history'].with_user(self.supervisor).has_access('write'))

    def test_collector_cannot_post_or_modify_invoices(self):
        invoice = self._invoice(self.customer_a, self.run_date, post=False)
        posted = self._invoice(self.customer_a, self.run_date)
        self._run()
        posted.cobranza_account_id.collector_id = self.collector_1
        as_collector = posted.with_user(self.collector_1)
        self.assertEqual(as_collector.amount_total, 1000.0)  # can read their account's invoice
        with self.assertRaises(AccessError):
            as_collector.write({'ref': 'changed'})
        with self.assertRaises(AccessError):
            invoice.with_user(self.collector_1).action_post()
        with self.assertRaises(AccessError):
            as_collector.button_draft()
        with self.assertRaises(AccessError):
            self.env['account.move'].with_user(self.collector_1).create({
                'move_type': 'out_invoice', 'partner_id': self.customer_a.id})
        self.assertEqual(invoice.state, 'draft')
        self.assertEqual(posted.state, 'posted')

    def test_billing_user_without_collection_group(self):
        """An invoicing user who is no collector still creates invoices through the form and sees their stage."""
        billing = self._new_user('billing_1', 'account.group_account_invoice')
        form = Form(self.env['account.move'].with_user(billing).with_context(default_move_type='out_invoice'))
        form.partner_id = self.customer_a
        form.invoice_date = self.run_date - timedelta(days=40)
        form.invoice_date_due = self.run_date - timedelta(days=40)
        with form.invoice_line_ids.new() as line:
            line.name = 'Consultoría'
            line.price_unit = 500.0
            line.tax_ids.clear()
        invoice = form.save()
        invoice.action_post()
        self._run()
        self.assertEqual(invoice.with_user(billing).cobranza_stage_id, self.stage_administrative)
        self.assertTrue(invoice.with_user(billing).cobranza_history_ids)

    def test_invoice_lifecycle_unchanged(self):
        """An invoice is created, posted and fully paid exactly as in plain Odoo."""
        invoice = self.env['account.move'].create({
            'move_type': 'out_invoice',
            'partner_id': self.customer_a.id,
            'invoice_date': '2026-06-01',
            'invoice_line_ids': [Command.create({'product_id': self.product_a.id, 'price_unit': 1000.0,
                                                 'tax_ids': [Command.set(self.tax_sale_a.ids)]})],
        })
        invoice.action_post()
        self.assertEqual(invoice.state, 'posted')
        self.assertAlmostEqual(invoice.amount_total, 1000.0 * (1 + self.tax_sale_a.amount / 100))
        payment = self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=invoice.ids).create({'payment_date': '2026-06-02'})
        payment._create_payments()
        self.assertIn(invoice.payment_state, ('paid', 'in_payment'))
        self.assertFalse(invoice.amount_residual)

    def test_no_demo_tooling_in_the_product(self):
        """The demo generator and the demo users belong to cobranza_mx_demo, never to cobranza_mx."""
        generator = self.env['ir.model']._get('cobranza.portfolio.generator')
        demo_installed = self.env['ir.module.module'].search_count(
            [('name', '=', 'cobranza_mx_demo'), ('state', '=', 'installed')])
        if demo_installed:
            self.assertEqual(generator.modules, 'cobranza_mx_demo')
            self.assertEqual(self.env['cobranza.portfolio.generator']._original_module, 'cobranza_mx_demo')
        else:
            self.assertFalse(generator)
            self.assertNotIn('cobranza.portfolio.generator', self.env)
        # No record of cobranza_mx's data is a user or a company: the demo users (password = login)
        # and the demo company are created by cobranza_mx_demo's generator only.
        self.assertFalse(self.env['ir.model.data'].search(
            [('module', '=', 'cobranza_mx'), ('model', 'in', ('res.users', 'res.company'))]))
        self.assertFalse(self.env['ir.model.data'].search(
            [('module', '=', 'cobranza_mx'), ('model', '=', 'ir.model'),
             ('name', '=', 'model_cobranza_portfolio_generator')]))

    def test_state_zones_match_odoo_states(self):
        """Every Mexican state of Odoo's data has its time zone for the contact window, and no other."""
        odoo_codes = set(self.env['res.country.state'].search([('country_id.code', '=', 'MX')]).mapped('code'))
        self.assertEqual(set(MX_STATE_TZ), odoo_codes)

    def test_upgrade_points_the_stage_actions_cron_at_its_new_model(self):
        """A database installed before 19.0.1.1.0 has the (noupdate) cron on cobranza.run: the migration moves it."""
        cron = self.env.ref('cobranza_mx.ir_cron_cobranza_stage_actions')
        cron.write({'model_id': self.env.ref('cobranza_mx.model_cobranza_run').id,
                    'code': 'model._cron_stage_actions()'})
        path = Path(__file__).resolve().parent.parent / 'migrations' / '19.0.1.1.0' / 'post-migrate.py'
        spec = importlib.util.spec_from_file_location('cobranza_mx_post_migrate_19_0_1_1_0', path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, '19.0.1.0.0')
        self.assertEqual(cron.model_id.model, 'cobranza.stage.action')
        self.assertEqual(cron.code, 'model._cron_process_queue()')
        # The code it now runs exists (in registry test mode, on this test's migrated cron; an
        # error of the job would be returned as an action).
        with self.enter_registry_test_mode():
            self.assertIs(cron.method_direct_trigger(), True)
