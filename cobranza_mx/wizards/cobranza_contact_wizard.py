from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.cobranza_contact_log_outcome import CONTACT_RESULTS, REACHED

WIZARD_CHANNELS = [
    ('call_out', 'Outgoing call'),
    ('call_in', 'Incoming call'),
    ('whatsapp', 'WhatsApp'),
    ('sms', 'SMS'),
    ('email', 'E-mail'),
    ('visit', 'Visit'),
]
# What a person records: the outcomes of the contact log less the two a tap records by itself
# (attempt, refusal outside the window) and the statement that was sent.
WIZARD_RESULTS = [(code, label) for code, label in CONTACT_RESULTS
                  if code not in ('attempt', 'outside_window', 'statement_sent')]
# Results that take the invoices out of the run and the reminders until the supervisor resolves them.
REVIEW_RESULTS = {'dispute': 'dispute', 'already_paid': 'already_paid'}


class CobranzaContactWizard(models.TransientModel):
    """What happened in one contact with a debtor, in one phone-friendly form; one row of the contact log."""
    _name = 'cobranza.contact.wizard'
    _description = 'Log a Contact'

    account_id = fields.Many2one('cobranza.account', string="Collection Account", required=True)
    partner_id = fields.Many2one(related='account_id.partner_id', string="Debtor")
    currency_id = fields.Many2one(related='account_id.currency_id')
    total_overdue = fields.Monetary(related='account_id.total_overdue')
    channel = fields.Selection(WIZARD_CHANNELS, required=True, default='call_out')
    reached = fields.Selection(REACHED, string="Who Was Reached", required=True, default='debtor')
    result = fields.Selection(WIZARD_RESULTS, required=True, default='contacted')
    note = fields.Text()
    next_step = fields.Char()
    next_step_date = fields.Date()
    move_ids = fields.Many2many('account.move', string="Invoices", domain="[('cobranza_account_id', '=', account_id)]")
    promise_amount = fields.Monetary(string="Promised Amount")
    promise_date = fields.Date(string="Promised Date")
    attachment = fields.Binary(string="Evidence")
    attachment_name = fields.Char()

    @api.onchange('account_id')
    def _onchange_account_id(self):
        self.move_ids = self.account_id.invoice_ids
        if not self.promise_amount:
            self.promise_amount = self.account_id.total_overdue or self.account_id.total_due

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        account = self.env['cobranza.account'].browse(values.get('account_id'))
        if account and 'move_ids' in fields_list:
            values['move_ids'] = [fields.Command.set(account.invoice_ids.ids)]
            values['promise_amount'] = account.total_overdue or account.total_due
        return values

    def action_log(self):
        """Log the contact; a promise to pay is created, a dispute excludes its invoices for review."""
        self.ensure_one()
        account = self.account_id
        account.check_access('read')
        refusal = account._contact_window_refusal(self.channel)
        if refusal:
            raise UserError(refusal)
        moves = self.move_ids or account.invoice_ids
        promise = self.env['cobranza.promise']
        if self.result == 'promise':
            if not self.promise_amount or not self.promise_date:
                raise UserError(self.env._("A promise to pay needs its amount and its date."))
            promise = promise.create({
                'account_id': account.id, 'move_ids': [fields.Command.set(moves.ids)],
                'amount': self.promise_amount, 'date': self.promise_date, 'channel': self.channel,
                'note': self.note,
            })
        next_step, next_date = self.next_step, self.next_step_date
        if promise and not next_date:
            next_step = next_step or self.env._("Check the promised payment")
            next_date = self.promise_date + timedelta(days=1)
        account._log_contact(
            self.channel, self.result, reached=self.reached, note=self.note, body=self.note,
            next_step=next_step, next_step_date=next_date, promise_id=promise.id,
            recipient=self.account_id.partner_id.cobranza_phone_e164 if self.channel != 'email'
            else self.account_id.partner_id.email)
        account.sudo().write({'next_step': next_step or False,
                              'next_step_date': next_date or fields.Date.context_today(self) + timedelta(days=1)})
        if self.result in REVIEW_RESULTS:
            moves._cobranza_flag_for_review(REVIEW_RESULTS[self.result], self.note, self.attachment,
                                            self.attachment_name)
        return {'type': 'ir.actions.act_window_close'}
