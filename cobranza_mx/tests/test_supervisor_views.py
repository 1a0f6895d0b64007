from datetime import timedelta

from lxml import etree
from odoo.fields import Domain
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import CobranzaCommon

# Columns whose width follows their values (numbers, dates, check boxes, badges): a long label is cut there.
NARROW_TYPES = ('integer', 'float', 'monetary', 'date', 'datetime', 'boolean', 'selection')
# What fits over such a column without being cut, in the collector's language too.
MAX_LABEL = 14
SUPERVISOR_LISTS = (
    'cobranza_mx.cobranza_account_view_list', 'cobranza_mx.cobranza_stage_history_view_list',
    'cobranza_mx.cobranza_run_view_list', 'cobranza_mx.cobranza_promise_view_list',
    'cobranza_mx.cobranza_contact_log_view_list', 'cobranza_mx.cobranza_visit_view_list',
    'cobranza_mx.cobranza_visit_report_view_list',
)


@tagged('post_install', '-at_install')
class TestSupervisorViews(CobranzaCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_two_accounts()
        # An account with a debt that is not yet in any stage: due in a month.
        cls.invoice_c = cls._invoice(cls.customer_c, cls.run_date + timedelta(days=30))
        cls.env['cobranza.run']._run_for_company(cls.company, run_date=cls.run_date)
        cls.account_c = cls.invoice_c.cobranza_account_id
        cls.account_c.collector_id = cls.collector_1

    def _my_collections_groups(self, with_defaults=True):
        """The kanban groups of My Collections, read as the web client reads them for the collector."""
        action = self.env.ref('cobranza_mx.cobranza_account_action_my')
        Account = self.env['cobranza.account'].with_user(self.collector_1)
        domain = safe_eval(action.domain, {'uid': self.collector_1.id})
        if with_defaults:
            # As the search panel does: the filters of one group (between separators) OR-ed, the groups AND-ed.
            context = safe_eval(action.context)
            arch = etree.fromstring(Account.get_views([(False, 'search')])['views']['search']['arch'])
            groups = [[]]
            for node in arch:
                if node.tag == 'separator':
                    groups.append([])
                elif node.tag == 'filter' and node.get('domain') and context.get(f"search_default_{node.get('name')}"):
                    groups[-1].append(Domain(safe_eval(node.get('domain'))))
            domain = Domain.AND([Domain(domain)] + [Domain.OR(group) for group in groups if group])
        kanban = etree.fromstring(Account.get_views([(False, 'kanban')])['views']['kanban']['arch'])
        result = Account.web_read_group(
            domain, [kanban.get('default_group_by')], aggregates=['__count'], auto_unfold=True,
            order=kanban.get('default_order'), unfold_read_specification={'partner_id': {}})
        return {group['stage_id'] and group['stage_id'][0]: group for group in result['groups']}

    def test_my_collections_has_no_empty_none_column(self):
        self.assertFalse(self.account_c.stage_id)
        self.assertGreater(self.account_c.total_due, 0)
        # What the collector saw: Odoo never opens the group of accounts without a stage, which came first
        # (NULL sorts first in "stage_id desc") and showed "None (1)" with no card, only "Load more".
        groups = self._my_collections_groups(with_defaults=False)
        self.assertEqual(groups[False]['__count'], 1)
        self.assertNotIn('__records', groups[False])
        self.assertEqual(next(iter(groups)), False)
        # My Collections opens on the stages only, each column with its cards.
        groups = self._my_collections_groups()
        self.assertNotIn(False, groups)
        counted = {stage: group['__count'] for stage, group in groups.items() if group['__count']}
        self.assertEqual(counted, {self.account_a.stage_id.id: 1})
        for group in groups.values():
            self.assertEqual(len(group.get('__records', [])), group['__count'])

    def test_list_headers_fit_their_columns(self):
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        for lang in ('en_US', 'es_MX'):
            for xmlid in SUPERVISOR_LISTS:
                view = self.env.ref(xmlid)
                Model = self.env[view.model].with_user(self.supervisor).with_context(lang=lang)
                arch = etree.fromstring(Model.get_views([(view.id, 'list')])['views']['list']['arch'])
                for node in arch.iter('field'):
                    field = Model._fields[node.get('name')]
                    if node.getparent().tag != 'list' or node.get('column_invisible') or \
                            field.type not in NARROW_TYPES:
                        continue
                    label = node.get('string') or field._description_string(Model.env)
                    with self.subTest(lang=lang, view=xmlid, field=field.name):
                        self.assertLessEqual(len(label), MAX_LABEL, label)

    def test_group_rows_add_no_positions_or_coordinates(self):
        info = self.env['cobranza.visit'].fields_get(
            ['route_sequence', 'latitude', 'longitude', 'checkin_latitude', 'checkin_longitude', 'checkin_distance',
             'checkin_accuracy', 'route_leg_km'], ['aggregator'])
        for name in ('route_sequence', 'latitude', 'longitude', 'checkin_latitude', 'checkin_longitude'):
            self.assertNotIn('aggregator', info[name], name)
        self.assertEqual((info['checkin_distance']['aggregator'], info['checkin_accuracy']['aggregator']),
                         ('avg', 'avg'))
        self.assertEqual(info['route_leg_km']['aggregator'], 'sum', "the km of a day do add up")
        account = self.env['cobranza.account'].fields_get(['priority', 'oldest_overdue_days'], ['aggregator'])
        self.assertNotIn('aggregator', account['priority'])
        self.assertEqual(account['oldest_overdue_days']['aggregator'], 'max')
        history = self.env['cobranza.stage.history'].fields_get(['days_overdue'], ['aggregator'])
        self.assertEqual(history['days_overdue']['aggregator'], 'avg')
