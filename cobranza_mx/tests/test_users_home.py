from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL


@tagged('post_install', '-at_install')
class TestCollectorsHome(TransactionCase):
    """Collectors of a database that had them before Today existed get it at the add-on's upgrade."""

    def test_upgrade_gives_existing_collectors_today(self):
        today = self.env.ref('cobranza_mx.cobranza_account_action_today')
        Users = self.env['res.users'].with_context(no_reset_password=True)
        collector = Users.create({'name': 'Gestor Antiguo', 'login': 'old_collector',
                                  'group_ids': [(6, 0, self.env.ref('cobranza_mx.group_cobranza_collector').ids)]})
        supervisor = Users.create({'name': 'Supervisora', 'login': 'old_supervisor',
                                   'group_ids': [(6, 0, self.env.ref('cobranza_mx.group_cobranza_supervisor').ids)]})
        chosen = self.env.ref('cobranza_mx.cobranza_promise_action')
        other = Users.create({'name': 'Gestor con inicio', 'login': 'chosen_home', 'action_id': chosen.id,
                              'group_ids': [(6, 0, self.env.ref('cobranza_mx.group_cobranza_collector').ids)]})
        # As in a database of an earlier version: nobody has a home action.
        self.env.cr.execute(SQL("UPDATE res_users SET action_id = NULL WHERE id IN %s",
                                tuple((collector | supervisor).ids)))
        self.env.invalidate_all()
        self.assertFalse(collector.action_id)
        # What data/res_users_home_data.xml runs at every install and upgrade.
        self.env['res.users']._cobranza_set_home_of_collectors()
        self.assertEqual(collector.action_id.id, today.id)
        self.assertFalse(supervisor.action_id, "supervisors keep the back office")
        self.assertEqual(other.action_id.id, chosen.id, "a home chosen for the user is kept")
