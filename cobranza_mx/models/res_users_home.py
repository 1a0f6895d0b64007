from odoo import api, models


# The model is split by concept on purpose: where a collector lands.
# pylint: disable=consider-merging-classes-inherited
class ResUsers(models.Model):
    _inherit = 'res.users'

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._cobranza_set_collector_home()
        return users

    def write(self, vals):
        result = super().write(vals)
        if 'group_ids' in vals:
            self._cobranza_set_collector_home()
        return result

    @api.model
    def _cobranza_set_home_of_collectors(self):
        """Every collector without a home action lands on Today: run at each install and upgrade of the
        add-on (data/res_users_home_data.xml), so that the collectors of an existing database get it too."""
        collector = self.env.ref('cobranza_mx.group_cobranza_collector', raise_if_not_found=False)
        if collector:
            collector.sudo().all_user_ids._cobranza_set_collector_home()

    def _cobranza_set_collector_home(self):
        """Collectors (not supervisors) without a home action land on Today, as the demo collectors do.

        A home action chosen for the user is kept; a collector later made supervisor keeps Today.
        """
        collector = self.env.ref('cobranza_mx.group_cobranza_collector', raise_if_not_found=False)
        supervisor = self.env.ref('cobranza_mx.group_cobranza_supervisor', raise_if_not_found=False)
        today = self.env.ref('cobranza_mx.cobranza_account_action_today', raise_if_not_found=False)
        if not (collector and supervisor and today):
            return
        users = self.sudo().filtered(lambda u: not u.action_id and not u.share and collector in u.all_group_ids
                                     and supervisor not in u.all_group_ids)
        if users:
            users.write({'action_id': today.id})


class ResGroups(models.Model):
    _inherit = 'res.groups'

    def write(self, vals):
        result = super().write(vals)
        collector = self.env.ref('cobranza_mx.group_cobranza_collector', raise_if_not_found=False)
        if 'user_ids' in vals and collector:
            # Users given the collector group from the group's form land on Today too.
            self.filtered(lambda g: collector in g.all_implied_ids).user_ids._cobranza_set_collector_home()
        return result
