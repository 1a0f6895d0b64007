"""The uncollectability dictamen (LISR art. 25 fr. V, art. 27 fr. XV): evidence, approval and write-off."""
from collections import Counter
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount, format_date

from ..tools import amount_words
from ..tools import promises as tp
from ..tools import uncollectable as uc

BASES = [
    (uc.BASIS_SMALL, '(a) Up to 30,000 UDIS, one year in default'),
    (uc.BASIS_JUDICIAL, '(b) Above 30,000 UDIS, ruling or collection exhausted in court'),
    (uc.BASIS_INSOLVENCY, '(c) Bankruptcy or concurso mercantil'),
]
DICTAMEN_STATES = [
    ('draft', 'Draft'),
    ('to_approve', 'To Approve'),
    ('approved', 'Approved'),
    ('rejected', 'Rejected'),
    ('written_off', 'Written Off'),
]
# What an author may still change once the dictamen left the draft: nothing of its substance.
DRAFT_ONLY_FIELDS = frozenset({'partner_id', 'move_ids', 'basis', 'as_of', 'opinion', 'company_id'})
MANAGER_GROUP = 'cobranza_mx.group_cobranza_manager'
# Written only by the actions (submit, approve, write off...), never directly.
TRANSITION_FIELDS = frozenset({'state', 'first_approver_id', 'first_approval_date', 'approver_id', 'approval_date',
                               'write_off_move_id', 'write_off_date', 'write_off_year', 'user_id'})


class CobranzaDictamen(models.Model):
    """A formal opinion that the credits of one debtor are uncollectable ("notoria imposibilidad práctica
    de cobro"), with the evidence that supports the deduction, its approval and its write-off entry."""
    _name = 'cobranza.dictamen'
    _description = 'Uncollectability Dictamen'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'id desc'
    _check_company_auto = True

    name = fields.Char(string="Number", readonly=True, copy=False, default='/')
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    partner_id = fields.Many2one('res.partner', string="Debtor", required=True, index=True, tracking=True,
                                 domain="[('parent_id', '=', False)]")
    vat = fields.Char(related='partner_id.vat', string="RFC")
    account_id = fields.Many2one('cobranza.account', string="Collection Account", compute='_compute_account_id',
                                 store=True)
    user_id = fields.Many2one('res.users', string="Prepared By", required=True, readonly=True,
                              default=lambda self: self.env.user)
    as_of = fields.Date(string="Evaluated On", required=True, default=fields.Date.context_today, tracking=True)
    basis = fields.Selection(BASES, string="Legal Basis", required=True, tracking=True)
    move_ids = fields.Many2many(
        'account.move', string="Invoices", check_company=True,
        domain="[('partner_id', 'child_of', partner_id), ('move_type', '=', 'out_invoice'), "
               "('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]")
    line_ids = fields.One2many('cobranza.dictamen.line', 'dictamen_id', string="Credits", readonly=True)
    amount_total = fields.Monetary(string="Principal (MXN)", readonly=True,
                                   help="The open balance of the credits, in the company currency.")
    amount_udis = fields.Float(string="Principal (UDIS)", digits=(16, 2), readonly=True)
    debtor_udis = fields.Float(
        string="All Debtor's Credits (UDIS)", digits=(16, 2), readonly=True,
        help="Every open overdue credit of the debtor in UDIS at its due date: what the 30,000 UDIS limit tests.")
    business_activity = fields.Boolean(related='partner_id.cobranza_business_activity')
    insolvency_date = fields.Date(related='partner_id.cobranza_insolvency_date')
    opinion = fields.Text(string="Collector's Opinion", tracking=True)
    document_ids = fields.One2many('cobranza.dictamen.document', 'dictamen_id', string="Documents")
    # Evidence gathered from the collection records (refreshed in draft, frozen when submitted).
    contact_count = fields.Integer(string="Contacts", readonly=True)
    contact_summary = fields.Text(string="Contacts by Channel and Result", readonly=True)
    visit_count = fields.Integer(string="Visits", readonly=True)
    visit_ids = fields.Many2many('cobranza.visit', string="Field Visits", readonly=True)
    letter_count = fields.Integer(string="Letters Sent", readonly=True)
    promise_count = fields.Integer(string="Promises", readonly=True)
    promise_broken_count = fields.Integer(string="Promises Broken", readonly=True)
    first_contact_date = fields.Date(readonly=True)
    last_contact_date = fields.Date(readonly=True)
    notice_date = fields.Date(string="Notice Sent On", readonly=True, copy=False)
    # Approval
    state = fields.Selection(DICTAMEN_STATES, required=True, default='draft', readonly=True, tracking=True,
                             copy=False, index=True)
    needs_second_approval = fields.Boolean(compute='_compute_needs_second_approval')
    first_approver_id = fields.Many2one('res.users', string="First Approval By", readonly=True, copy=False)
    first_approval_date = fields.Datetime(readonly=True, copy=False)
    approver_id = fields.Many2one('res.users', string="Approved By", readonly=True, copy=False)
    approval_date = fields.Datetime(readonly=True, copy=False)
    rejection_reason = fields.Text(copy=False, tracking=True)
    # Write-off
    write_off_move_id = fields.Many2one('account.move', string="Write-off Entry", readonly=True, copy=False)
    write_off_date = fields.Date(readonly=True, copy=False, index=True)
    write_off_year = fields.Integer(string="Deduction Year", readonly=True, copy=False, index=True, aggregator=None)
    reversal_move_ids = fields.Many2many('account.move', 'cobranza_dictamen_reversal_rel', string="Reversals",
                                         readonly=True, copy=False)
    recovery_payment_ids = fields.One2many('account.payment', 'cobranza_recovery_dictamen_id',
                                           string="Later Payments (Taxable)", readonly=True)

    @api.depends('partner_id', 'company_id')
    def _compute_account_id(self):
        for dictamen in self:
            dictamen.account_id = self.env['cobranza.account'].sudo().search([
                ('partner_id', '=', dictamen.partner_id.commercial_partner_id.id),
                ('company_id', '=', dictamen.company_id.id)], limit=1) if dictamen.partner_id else False

    @api.depends('amount_total', 'company_id.cobranza_dictamen_second_amount')
    def _compute_needs_second_approval(self):
        for dictamen in self:
            threshold = dictamen.company_id.cobranza_dictamen_second_amount
            dictamen.needs_second_approval = bool(threshold) and dictamen.amount_total > threshold

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('name', '/') == '/':
                vals['name'] = self.env['ir.sequence'].with_company(vals.get('company_id') or self.env.company) \
                    .next_by_code('cobranza.dictamen') or '/'
        dictamenes = super().create(vals_list)
        dictamenes._refresh()
        return dictamenes

    def write(self, vals):
        if TRANSITION_FIELDS & set(vals) and not self.env.context.get('cobranza_dictamen_transition'):
            raise UserError(self.env._("The status of a dictamen changes only through its buttons."))
        if DRAFT_ONLY_FIELDS & set(vals) and any(dictamen.state != 'draft' for dictamen in self):
            raise UserError(self.env._("Only a draft dictamen can be changed: reset it to draft first."))
        result = super().write(vals)
        if {'move_ids', 'partner_id', 'as_of'} & set(vals):
            self._refresh()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(dictamen.state not in ('draft', 'rejected') for dictamen in self):
            raise UserError(self.env._("A dictamen submitted, approved or written off cannot be deleted."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_refresh(self):
        """Recompute the UDI conversion and gather the evidence again (draft only)."""
        if any(dictamen.state != 'draft' for dictamen in self):
            raise UserError(self.env._("The evidence of a submitted dictamen is frozen."))
        self._refresh()

    def action_submit(self):
        """Draft → to approve, when the basis is met and its evidence is there."""
        for dictamen in self:
            if dictamen.state != 'draft':
                raise UserError(self.env._("Only a draft dictamen can be submitted."))
            dictamen._refresh()
            errors = dictamen._basis_error_messages()
            if not dictamen.opinion:
                errors.append(self.env._("Write the collector's opinion."))
            if errors:
                raise UserError(self.env._("The dictamen %(name)s cannot be submitted:\n- %(errors)s",
                                           name=dictamen.name, errors='\n- '.join(errors)))
            dictamen._transition({'state': 'to_approve'})
            dictamen._schedule_approval_activity()

    def action_approve(self):
        """Approve as a collection administrator other than the author; above the company's amount a second
        administrator approves too."""
        for dictamen in self:
            dictamen._check_approver()
            now = fields.Datetime.now()
            if dictamen.needs_second_approval and not dictamen.first_approver_id:
                dictamen._transition({'first_approver_id': self.env.uid, 'first_approval_date': now})
                dictamen.message_post(body=self.env._(
                    "First approval by %(user)s; above %(amount)s a second administrator approves.",
                    user=self.env.user.name,
                    amount=format_amount(self.env, dictamen.company_id.cobranza_dictamen_second_amount,
                                         dictamen.currency_id)))
                continue
            dictamen._transition({'state': 'approved', 'approver_id': self.env.uid, 'approval_date': now})
            dictamen.activity_feedback(['mail.mail_activity_data_todo'])

    def action_reject(self):
        for dictamen in self:
            dictamen._check_approver()
            if not dictamen.rejection_reason:
                raise UserError(self.env._("Write the reason of the rejection first."))
            dictamen._transition({'state': 'rejected', 'first_approver_id': False, 'first_approval_date': False})
            dictamen.activity_unlink(['mail.mail_activity_data_todo'])

    def action_reset_draft(self):
        for dictamen in self:
            if dictamen.state not in ('rejected', 'to_approve'):
                raise UserError(self.env._("Only a rejected dictamen or one waiting for approval returns to draft."))
            dictamen._transition({'state': 'draft', 'first_approver_id': False, 'first_approval_date': False})

    def action_print(self):
        return self.env.ref('cobranza_mx.action_report_cobranza_dictamen').report_action(self)

    def action_print_notice(self):
        return self.env.ref('cobranza_mx.action_report_cobranza_dictamen_notice').report_action(self)

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _transition(self, vals):
        return self.with_context(cobranza_dictamen_transition=True).write(vals)

    def _check_approver(self):
        self.ensure_one()
        if self.state != 'to_approve':
            raise UserError(self.env._("The dictamen %(name)s is not waiting for approval.", name=self.name))
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only a collection administrator approves or rejects a dictamen."))
        if self.env.user in (self.user_id | self.create_uid):
            raise UserError(self.env._("The author of a dictamen cannot approve or reject it."))
        if self.env.user == self.first_approver_id:
            raise UserError(self.env._("The second approval must come from another administrator."))

    def _schedule_approval_activity(self):
        managers = self.env.ref(MANAGER_GROUP).sudo().all_user_ids.filtered(
            lambda user: self.company_id in user.company_ids and user not in self.user_id and not user.share
            and user.active and not user._is_superuser())
        if managers:
            self.activity_schedule('mail.mail_activity_data_todo', user_id=managers[0].id,
                                   summary=self.env._("Approve the uncollectability dictamen"))

    def _open_overdue_invoices(self):
        """Every posted, open customer invoice of the debtor due before the evaluation date."""
        self.ensure_one()
        return self.env['account.move'].search([
            ('company_id', '=', self.company_id.id),
            ('commercial_partner_id', '=', self.partner_id.commercial_partner_id.id),
            ('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),
            ('payment_state', 'in', ('not_paid', 'partial')),
            ('invoice_date_due', '<', self.as_of)])

    def _refresh(self):
        for dictamen in self.filtered(lambda record: record.state == 'draft' and record.partner_id):
            dictamen._refresh_lines()
            dictamen._gather_evidence()

    def _refresh_lines(self):
        """One line per invoice with its principal in UDIS at its due date (a missing UDI value is an error)."""
        self.ensure_one()
        debtor_moves = self._open_overdue_invoices()
        moves = self.move_ids
        rates = self.env['cobranza.udi.rate']._values_for(
            {due for due in (moves | debtor_moves).mapped('invoice_date_due') if due})
        lines = []
        for move in moves.sorted(lambda record: (record.invoice_date_due, record.id)):
            balance = Decimal(str(move.amount_residual_signed))
            value = rates[move.invoice_date_due]
            lines.append(Command.create({
                'move_id': move.id,
                'principal': move.amount_total_signed,
                'balance': move.amount_residual_signed,
                'udi_value': float(value),
                'udis': float(uc.udi.to_udis(balance, value)),
            }))
        debtor_udis = sum((uc.udi.to_udis(Decimal(str(move.amount_residual_signed)), rates[move.invoice_date_due])
                           for move in debtor_moves | moves), Decimal(0))
        self.line_ids.unlink()
        self._transition({'line_ids': lines})
        self._transition({
            'amount_total': sum(self.line_ids.mapped('balance')),
            'amount_udis': sum(self.line_ids.mapped('udis')),
            'debtor_udis': float(debtor_udis),
        })

    def _gather_evidence(self):
        """The collection record of the debtor: contacts by channel and result, visits, letters, promises."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        company_domain = [('company_id', '=', self.company_id.id)]
        logs = self.env['cobranza.contact.log'].sudo().search(
            [*company_domain, ('partner_id', 'child_of', partner.id)], order='date')
        Log = self.env['cobranza.contact.log']
        channels = dict(Log._fields['channel']._description_selection(self.env))
        results = dict(Log._fields['result']._description_selection(self.env))
        counts = Counter((log.channel, log.result) for log in logs)
        summary = '\n'.join(
            f'{channels.get(channel, channel)} / {results.get(result, result)}: {count}'
            for (channel, result), count in sorted(counts.items()))
        visits = self.env['cobranza.visit'].sudo().search(
            [*company_domain, ('partner_id', 'child_of', partner.id), ('state', '=', 'done')], order='done_date')
        promises = self.env['cobranza.promise'].sudo().search(
            [*company_domain, ('partner_id', 'child_of', partner.id)])
        self._transition({
            'contact_count': len(logs),
            'contact_summary': summary or False,
            'first_contact_date': logs[:1].date and logs[:1].date.date(),
            'last_contact_date': logs[-1:].date and logs[-1:].date.date(),
            'visit_count': len(visits),
            'visit_ids': [Command.set(visits.ids)],
            'letter_count': len(logs.filtered(lambda log: log.channel == 'letter' and log.result != 'failed')),
            'promise_count': len(promises),
            'promise_broken_count': len(promises.filtered(
                lambda promise: promise.state in (tp.BROKEN, tp.PARTIALLY_KEPT))),
        })

    def _evidence_codes(self):
        return set(self.document_ids.mapped('doc_type'))

    def _basis_error_messages(self):
        """Why this dictamen cannot be submitted, translated; empty when it can."""
        self.ensure_one()
        if not self.line_ids:
            return [self.env._("Add the invoices of the debtor that are uncollectable.")]
        errors = uc.basis_errors(
            self.basis, Decimal(str(self.debtor_udis)), self.line_ids.mapped('due_date'), self.as_of,
            self._evidence_codes(), self.business_activity, self.insolvency_date)
        messages = {
            'above_limit': lambda detail: self.env._(
                "The debtor's credits add up to %(udis)s UDIS, above 30,000: basis (a) does not apply; use (b) "
                "with a ruling.", udis=f'{detail:,.2f}'),
            'not_one_year': lambda detail: self.env._(
                "One year of default is reached only on %(date)s.", date=format_date(self.env, detail)),
            'below_limit': lambda detail: self.env._(
                "The debtor's credits add up to %(udis)s UDIS, not above 30,000: use basis (a).",
                udis=f'{detail:,.2f}'),
            'no_insolvency': lambda detail: self.env._(
                "Set on the debtor the date of the bankruptcy or concurso mercantil ruling."),
            'missing_ruling': lambda detail: self.env._(
                "Basis (b) needs the final ruling or the proof that collection was exhausted in court: upload it."),
            'missing_insolvency_ruling': lambda detail: self.env._(
                "Basis (c) needs the bankruptcy or concurso mercantil ruling: upload it."),
            'missing_notice': lambda detail: self.env._(
                "The debtor has business activity: upload the acknowledged written notice that the credit will "
                "be deducted."),
        }
        return [messages[code](detail) for code, detail in errors]

    def _amount_in_words(self, amount=None):
        """The principal (or ``amount``) as Mexican documents write it: "... PESOS 78/100 M.N."."""
        self.ensure_one()
        value = self.amount_total if amount is None else amount
        return amount_words.amount_in_words(self.currency_id.round(value), self.currency_id.name)

    def _report_lang(self):
        """The dictamen is a Mexican legal document: Spanish when es_MX is installed."""
        return 'es_MX' if self.env['res.lang']._lang_get('es_MX') else self.env.user.lang

    def _basis_label(self):
        return dict(self._fields['basis']._description_selection(self.env)).get(self.basis, '')
