from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

CHANNELS = [
    ('email', 'E-mail'),
    ('sms', 'SMS'),
    ('whatsapp', 'WhatsApp'),
    ('letter', 'Printed letter'),
]

# What decides when a rule wants a reminder: changing one plans its policy's invoices again.
PLANNING_FIELDS = frozenset({'active', 'policy_id', 'trigger', 'offset_hours', 'repeat_interval_hours', 'repeat_max',
                             'stage_ids', 'min_amount', 'channel_email', 'channel_sms', 'channel_whatsapp',
                             'channel_letter', 'company_id'})

# Placeholders of SMS texts and WhatsApp template parameters.
PLACEHOLDERS = ('partner', 'invoices', 'amount', 'due_date', 'company', 'company_phone', 'portal_url', 'days',
                'promise_amount', 'promise_date', 'visit_date', 'visit_time', 'document')

# What a rule's moment is counted from. Invoice rules are planned per invoice (its due date); the
# others per event (the promise's date, the confirmed visit's day) or on demand (the statement).
TRIGGER_INVOICE = 'invoice_due'
TRIGGER_PROMISE = 'promise_date'
TRIGGER_VISIT = 'visit'
TRIGGER_STATEMENT = 'statement'
TRIGGERS = [
    (TRIGGER_INVOICE, 'Invoice due date'),
    (TRIGGER_PROMISE, 'Promise to pay date'),
    (TRIGGER_VISIT, 'Confirmed field visit'),
    (TRIGGER_STATEMENT, 'Statement of account (on demand)'),
]


class CobranzaReminderRule(models.Model):
    """When, by which channels and with which texts a policy reminds debtors.

    The moment of a reminder is ``offset_hours`` from the due date (negative:
    before it), then, with ``repeat_interval_hours``, again while the invoice is
    open, up to ``repeat_max`` times.
    """
    _name = 'cobranza.reminder.rule'
    _description = 'Collection Reminder Rule'
    _order = 'policy_id, offset_hours, sequence, id'

    name = fields.Char(required=True, translate=True)
    policy_id = fields.Many2one('cobranza.policy', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='policy_id.company_id', store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    trigger = fields.Selection(
        TRIGGERS, string="Counted From", required=True, default=TRIGGER_INVOICE, index=True,
        help="Invoice due date: every open invoice of the policy. Promise to pay date: the day before an open "
             "promise falls due (offset -24), for instance. Confirmed field visit: the debtor is told of the "
             "visit when it is confirmed and before its day. Statement of account: sent when a user asks for "
             "it from the account.")
    offset_hours = fields.Integer(
        string="Offset (hours)", required=True, default=0,
        help="Hours from the due date (or the promise's date, the visit's day), at 09:00 of the debtor: -48 is "
             "two days before it, 24 one day after it.")
    repeat_interval_hours = fields.Integer(
        string="Repeat Every (hours)", help="0: once. 168: every week while the invoice is open.")
    repeat_max = fields.Integer(string="Maximum Repetitions", default=0,
                                help="0: repeat while the invoice is open.")
    stage_ids = fields.Many2many(
        'cobranza.stage', string="Only in Stages",
        help="Remind only invoices in these stages; empty: any stage.")
    min_amount = fields.Float(string="Minimum Open Amount", digits='Account')
    channel_email = fields.Boolean(string="E-mail", default=True)
    channel_sms = fields.Boolean(string="SMS")
    channel_whatsapp = fields.Boolean(string="WhatsApp")
    channel_letter = fields.Boolean(string="Printed Letter")
    mail_template_id = fields.Many2one(
        'mail.template', string="E-mail Template", domain=[('model', '=', 'cobranza.reminder')],
        default=lambda self: self.env.ref('cobranza_mx.mail_template_reminder', raise_if_not_found=False))
    sms_body = fields.Text(
        string="SMS Text", translate=True,
        help="Placeholders: {partner} {invoices} {amount} {due_date} {days} {company} {company_phone} {portal_url}; "
             "promise rules also {promise_amount} {promise_date}, visit rules {visit_date} {visit_time}, "
             "document rules {document}.")
    whatsapp_template = fields.Char(string="WhatsApp Template", help="Name of the approved template.")
    whatsapp_language = fields.Char(string="WhatsApp Language", default='es_MX')
    whatsapp_params = fields.Char(
        string="WhatsApp Parameters", default='partner,company,amount,invoices,due_date,company_phone',
        help="Comma-separated placeholders filling the template's body parameters, in order.")

    @api.constrains('sms_body', 'mail_template_id', 'whatsapp_params', 'name')
    def _check_compliance(self):
        Terms = self.env['cobranza.forbidden.term']
        for rule in self:
            for lang in self._compliance_langs():
                rule_lang = rule.with_context(lang=lang)
                Terms._check_texts(self.env._("Reminder %(rule)s", rule=rule.name), rule_lang.sms_body or '')
                template = rule.mail_template_id.with_context(lang=lang)
                Terms._check_texts(self.env._("E-mail template %(template)s", template=template.name or ''),
                                   template.subject or '', template.body_html or '')

    @api.constrains('whatsapp_params', 'sms_body')
    def _check_placeholders(self):
        for rule in self:
            for name in filter(None, (p.strip() for p in (rule.whatsapp_params or '').split(','))):
                if name not in PLACEHOLDERS:
                    raise ValidationError(self.env._(
                        "Unknown WhatsApp parameter %(name)s. Use: %(names)s",
                        name=name, names=', '.join(PLACEHOLDERS)))
            try:
                (rule.sms_body or '').format(**dict.fromkeys(PLACEHOLDERS, ''))
            except (KeyError, IndexError, ValueError) as e:
                raise ValidationError(self.env._(
                    "The SMS text of %(rule)s has an unknown placeholder: %(error)s. Use: %(names)s",
                    rule=rule.name, error=e, names=', '.join('{%s}' % p for p in PLACEHOLDERS))) from e

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules.policy_id._cobranza_replan_reminders()
        return rules

    def write(self, vals):
        policies = self.policy_id
        result = super().write(vals)
        if PLANNING_FIELDS.intersection(vals):
            (policies | self.policy_id)._cobranza_replan_reminders()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        # Its reminders go with it (cascade) unless one of them reached a debtor.
        self.env['cobranza.contact.log']._check_no_evidence('rule_id', self)

    @api.model
    def _compliance_langs(self):
        return [code for code, _name in self.env['res.lang'].get_installed()]

    @api.onchange('trigger')
    def _onchange_trigger(self):
        """An event's rule gets its event's e-mail template (the invoice one lists invoices)."""
        xmlid = {
            TRIGGER_PROMISE: 'cobranza_mx.mail_template_reminder_promise',
            TRIGGER_VISIT: 'cobranza_mx.mail_template_reminder_visit',
            TRIGGER_STATEMENT: 'cobranza_mx.mail_template_reminder_statement',
        }.get(self.trigger, 'cobranza_mx.mail_template_reminder')
        self.mail_template_id = self.env.ref(xmlid, raise_if_not_found=False)

    def _channels(self):
        self.ensure_one()
        return [code for code, _label in CHANNELS if self[f'channel_{code}']]


class CobranzaPolicy(models.Model):
    _inherit = 'cobranza.policy'

    def write(self, vals):
        result = super().write(vals)
        if 'active' in vals:
            self._cobranza_replan_reminders()
        return result

    def _cobranza_replan_reminders(self):
        """The open invoices of these policies are planned again by the next pass of the reminders."""
        if self.ids:
            self.env['cobranza.reminder.plan']._forget(SQL("m.cobranza_policy_id = ANY(%s)", self.ids))
