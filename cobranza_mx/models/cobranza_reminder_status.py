"""Provider statuses of collection reminders: what WhatsApp reports back through its webhook."""
import logging

from odoo import api, models

from .cobranza_reminder_reason import because, provider_reason

_logger = logging.getLogger(__name__)


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaReminder(models.Model):
    _inherit = 'cobranza.reminder'

    @api.model
    def _apply_whatsapp_statuses(self, statuses, companies=None):
        """Apply (message_id, status, timestamp, error, callback_data) from the webhook; returns updated reminders.

        With ``companies`` (those whose app secret signed the webhook), a status is applied only to
        the reminders of those companies; the others are left alone and counted in one warning.
        """
        order = {'sending': 0, 'unconfirmed': 0, 'scheduled': 0, 'sent': 1, 'delivered': 2, 'read': 3}
        updated = self.browse()
        foreign = 0
        for message_id, status, _timestamp, error, callback_data in statuses:
            if not isinstance(message_id, str) or not message_id or '\x00' in message_id or not isinstance(status, str):
                continue
            reminders = self.search([('provider_message_id', '=', message_id)])
            if not reminders:
                leader = self._whatsapp_callback_leader(callback_data, message_id)
                reminders = leader | self.search([('leader_id', '=', leader.id)]) if leader else reminders
            if companies is not None:
                theirs = reminders.filtered(lambda r: r.company_id in companies)
                foreign += len(reminders) - len(theirs)
                reminders = theirs
            if not reminders:
                continue
            if status == 'failed':
                reminders._finish('failed', reason=provider_reason(error) if error else because('provider_failed'),
                                  provider_message_id=message_id)
            elif status in ('sent', 'delivered', 'read') and order.get(reminders[0].state, 9) < order[status]:
                reminders._finish(status, provider_message_id=message_id)
            updated |= reminders
        if foreign:
            _logger.warning("WhatsApp webhook: ignored the statuses of %d reminders of a company whose app secret "
                            "did not sign the payload", foreign)
        return updated

    @api.model
    def _whatsapp_callback_leader(self, callback_data, message_id):
        """The reminder named by a ``cobranza.reminder:<id>`` callback data, if it has no other message id."""
        prefix, _sep, digits = callback_data.partition(':') if isinstance(callback_data, str) else ('', '', '')
        # isdigit() alone accepts other scripts' digits; a PostgreSQL integer stops at 2**31 - 1.
        if prefix != 'cobranza.reminder' or not (digits.isascii() and digits.isdigit()) or len(digits) > 10 \
                or not 0 < int(digits) < 2 ** 31:
            return self.browse()
        leader = self.browse(int(digits)).exists()
        return leader if leader.provider_message_id in (False, message_id) else self.browse()
