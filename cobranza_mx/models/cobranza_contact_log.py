import base64
import hashlib
import io

import xlsxwriter
from odoo import api, fields, models
from odoo.exceptions import UserError

from .cobranza_reminder_reason import reason_text
from .cobranza_reminder_rule import CHANNELS
from .cobranza_visit import VISIT_RESULTS

LOG_RESULTS = [
    ('queued', 'Queued'),
    ('sent', 'Sent'),
    ('delivered', 'Delivered'),
    ('read', 'Read'),
    ('failed', 'Failed'),
    ('retry', 'Failed, will retry'),
    ('unconfirmed', 'Unconfirmed'),
    ('paused', 'Paused'),
    ('skipped', 'Skipped'),
    ('cancelled', 'Cancelled'),
    ('visited', 'Visit made'),
    ('missed', 'Visit missed'),
]


class CobranzaContactLog(models.Model):
    """Every contact attempt with a debtor and its result: immutable, for REDECO and PROFECO.

    Rows are only ever inserted by the collection code; nobody, administrators included,
    can change or delete them. A later delivery status is a new row.
    """
    _name = 'cobranza.contact.log'
    _description = 'Collection Contact Log'
    _order = 'date desc, id desc'
    _rec_name = 'partner_id'

    date = fields.Datetime(string="Date (UTC)", required=True, readonly=True, index=True, default=fields.Datetime.now)
    local_time = fields.Char(string="Debtor Local Time", readonly=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    partner_id = fields.Many2one('res.partner', string="Debtor", required=True, readonly=True, index=True)
    # What a row refers to is archived, never deleted (restrict): deleting it would rewrite the evidence.
    account_id = fields.Many2one('cobranza.account', string="Collection Account", readonly=True, index=True,
                                 ondelete='restrict')
    move_ids = fields.Many2many('account.move', string="Invoices", readonly=True)
    reminder_id = fields.Many2one('cobranza.reminder', readonly=True, index='btree_not_null', ondelete='restrict')
    rule_id = fields.Many2one('cobranza.reminder.rule', readonly=True, index='btree_not_null', ondelete='restrict')
    user_id = fields.Many2one('res.users', string="By", readonly=True, default=lambda self: self.env.user,
                              ondelete='restrict')
    visit_id = fields.Many2one('cobranza.visit', readonly=True, index='btree_not_null', ondelete='restrict')
    visit_result = fields.Selection(VISIT_RESULTS, readonly=True)
    channel = fields.Selection([*CHANNELS, ('visit', 'Field visit')], required=True, readonly=True)
    recipient = fields.Char(readonly=True)
    template = fields.Char(readonly=True)
    body = fields.Text(string="Text Sent", readonly=True)
    body_hash = fields.Char(string="SHA-256 of the Text", readonly=True)
    provider_message_id = fields.Char(string="Provider Message ID", readonly=True, index='btree_not_null')
    result = fields.Selection(LOG_RESULTS, required=True, readonly=True)
    detail = fields.Char(string="Free-Text Detail", readonly=True)
    # The reminder engine's reasons are codes, shown in the reader's language (cobranza_reminder_reason.py).
    reason_code = fields.Char(readonly=True)
    reason_args = fields.Json(readonly=True)
    detail_text = fields.Char(string="Detail", compute='_compute_detail_text')

    @api.depends_context('lang')
    @api.depends('detail', 'reason_code', 'reason_args')
    def _compute_detail_text(self):
        for log in self:
            log.detail_text = reason_text(self.env, log.reason_code, log.reason_args) or log.detail

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('body') and not vals.get('body_hash'):
                vals['body_hash'] = hashlib.sha256(vals['body'].encode()).hexdigest()
        return super().create(vals_list)

    def write(self, vals):
        if self:
            raise UserError(self.env._("The contact log cannot be modified: it is the evidence of every contact."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The contact log cannot be deleted: it is the evidence of every contact."))

    @api.model
    def _check_no_evidence(self, field_name, records):
        """Refuse to delete ``records`` when contact-log rows refer to them through ``field_name``.

        Called by the ``@api.ondelete`` methods of what the log refers to, directly or through a
        cascade (a policy deletes its reminder rules, which delete their reminders).
        """
        logs = self.sudo().search([(field_name, 'in', records.ids)], limit=1)
        if logs:
            record = records.filtered(lambda r: r in logs.mapped(field_name))[:1] or records[:1]
            raise UserError(self.env._(
                "%(record)s cannot be deleted: the contact log keeps the evidence of the contacts made with it. "
                "Archive it instead.", record=record.display_name))

    def action_export_xlsx(self):
        """Download these log rows as an XLSX workbook, e.g. to answer a REDECO or PROFECO complaint."""
        if not self:
            raise UserError(self.env._("Select the contacts to export."))
        logs = self
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        sheet = workbook.add_worksheet(self.env._("Contact log"))
        bold = workbook.add_format({'bold': True})
        columns = ['date', 'local_time', 'partner_id', 'channel', 'recipient', 'result', 'detail_text', 'template',
                   'provider_message_id', 'user_id', 'rule_id', 'move_ids', 'body', 'body_hash', 'company_id']
        for col, name in enumerate(columns):
            sheet.write(0, col, self._fields[name]._description_string(self.env), bold)
        selections = {name: dict(self._fields[name]._description_selection(self.env)) for name in ('channel', 'result')}
        for row, log in enumerate(logs.sorted('date'), start=1):
            for col, name in enumerate(columns):
                value = log[name]
                if name in selections:
                    value = selections[name].get(value, value)
                elif name == 'date':
                    value = fields.Datetime.to_string(value)
                elif name == 'move_ids':
                    value = ', '.join(value.mapped('name'))
                elif isinstance(value, models.BaseModel):
                    value = value.display_name
                sheet.write(row, col, value or '')
        workbook.close()
        attachment = self.env['ir.attachment'].create({
            'name': self.env._("contact_log.xlsx"),
            'datas': base64.b64encode(output.getvalue()),
            'mimetype': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        })
        return {'type': 'ir.actions.act_url', 'url': f'/web/content/{attachment.id}?download=true', 'target': 'self'}
