"""Provider statuses of collection reminders: what WhatsApp reports back through its webhook."""
from odoo import api, models


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaReminder(models.Model):
    _inherit = 'cobranza.reminder'

    @api.model
    def _apply_whatsapp_statuses(self, statuses):
        """Apply (message_id, status, timestamp, error, callback_data) from the webhook; returns updated reminders."""
        order = {'sending': 0, 'unconfirmed': 0, 'scheduled': 0, 'sent': 1, 'delivered': 2, 'read': 3}
        updated = self.browse()
        for message_id, status, _timestamp, error, callback_data in statuses:
            reminders = self.search([('provider_message_id', '=', message_id)])
            if not reminders and callback_data and callback_data.startswith('cobranza.reminder:'):
                leader = self.browse(int(callback_data.split(':')[1])).exists()
                reminders = leader | self.search([('leader_id', '=', leader.id)]) if leader else reminders
            if not reminders:
                continue
            if status == 'failed':
                reminders._finish('failed', reason=error or self.env._("Failed at the provider."),
                                  provider_message_id=message_id)
            elif status in ('sent', 'delivered', 'read') and order.get(reminders[0].state, 9) < order[status]:
                reminders._finish(status, provider_message_id=message_id)
            updated |= reminders
        return updated
