from datetime import date, timedelta

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class CobranzaCommon(AccountTestInvoicingCommon):
    """A Mexican company with the default collection policy, three customers and collection users."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country('mx')
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data['company']
        cls.env.user.group_ids |= cls.env.ref('cobranza_mx.group_cobranza_manager')
        cls.policy = cls.env.ref('cobranza_mx.policy_default')
        cls.stage_preventive = cls.env.ref('cobranza_mx.stage_preventive')
        cls.stage_administrative = cls.env.ref('cobranza_mx.stage_administrative')
        cls.stage_extrajudicial = cls.env.ref('cobranza_mx.stage_extrajudicial')
        cls.stage_judicial = cls.env.ref('cobranza_mx.stage_judicial')
        cls.stage_uncollectable = cls.env.ref('cobranza_mx.stage_uncollectable')
        # The default stage actions need a responsible: tests that want them give one.
        cls.env['cobranza.stage.action'].search([]).active = False
        cls.customer_a = cls.env['res.partner'].create({'name': 'Abarrotes La Esperanza S.A. de C.V.',
                                                        'is_company': True})
        cls.customer_b = cls.env['res.partner'].create({'name': 'María Fernanda López Ruiz'})
        cls.customer_c = cls.env['res.partner'].create({'name': 'Transportes del Bajío S.A. de C.V.',
                                                        'is_company': True})
        cls.collector_1 = cls._new_user('collector_1', 'cobranza_mx.group_cobranza_collector')
        cls.collector_2 = cls._new_user('collector_2', 'cobranza_mx.group_cobranza_collector')
        cls.supervisor = cls._new_user('supervisor_1', 'cobranza_mx.group_cobranza_supervisor')
        cls.run_date = date(2026, 6, 15)

    @classmethod
    def _new_user(cls, login, group_xmlid, company=None):
        company = company or cls.company
        return new_test_user(
            cls.env, login=login, groups=f'base.group_user,{group_xmlid}',
            company_id=company.id, company_ids=[Command.set(company.ids)])

    @classmethod
    def _invoice(cls, partner, due, amount=1000.0, currency=None, post=True, company=None, invoice_date=None):
        """A customer invoice without taxes, due on ``due``, of ``amount`` in ``currency``."""
        company = company or cls.company
        move = cls.env['account.move'].with_company(company).create({
            'move_type': 'out_invoice',
            'partner_id': partner.id,
            'invoice_date': invoice_date or min(due, cls.run_date),
            'invoice_date_due': due,
            'invoice_payment_term_id': False,
            'currency_id': (currency or company.currency_id).id,
            'invoice_line_ids': [Command.create({'name': 'Servicio de mantenimiento', 'quantity': 1,
                                                 'price_unit': amount, 'tax_ids': [Command.clear()]})],
        })
        if post:
            move.action_post()
        return move

    @classmethod
    def _setup_two_accounts(cls):
        """Two customers with an overdue invoice each, placed by a run: account A to collector 1, B unassigned."""
        cls.invoice_a = cls._invoice(cls.customer_a, cls.run_date - timedelta(days=40))
        cls.invoice_b = cls._invoice(cls.customer_b, cls.run_date - timedelta(days=90))
        cls.env['cobranza.run']._run_for_company(cls.company, run_date=cls.run_date)
        cls.account_a = cls.invoice_a.cobranza_account_id
        cls.account_b = cls.invoice_b.cobranza_account_id
        cls.account_a.collector_id = cls.collector_1

    @classmethod
    def _setup_three_accounts(cls):
        """The accounts of :meth:`_setup_two_accounts` (B to collector 2) and C, 100 days late, to collector 1."""
        cls._setup_two_accounts()
        cls.account_b.collector_id = cls.collector_2
        cls.invoice_c = cls._invoice(cls.customer_c, cls.run_date - timedelta(days=100), amount=5000.0)
        cls.env['cobranza.run']._run_for_company(cls.company, run_date=cls.run_date)
        cls.account_c = cls.invoice_c.cobranza_account_id
        cls.account_c.collector_id = cls.collector_1

    def _run(self, run_date=None, company=None, actions=True, **kwargs):
        """Run the collection run, then (``actions``) the stage actions it queued, as their cron would."""
        run = self.env['cobranza.run']._run_for_company(company or self.company, run_date=run_date or self.run_date,
                                                        **kwargs)
        if actions:
            self.env['cobranza.stage.action']._process_queue()
        return run
