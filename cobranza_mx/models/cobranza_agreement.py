"""Payment agreements (convenios): a debt paid in installments, followed from the reconciled payments.

The agreement's concepts extend the same model, each in a file of its own:
:mod:`.cobranza_agreement_installment` (the installments), :mod:`.cobranza_agreement_restructure`
(the journal entry of a restructure), :mod:`.cobranza_agreement_approval` (approval by role),
:mod:`.cobranza_reminder_agreement` (the reminders of each installment).
"""
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount

from ..tools import agreements as ta
from ..tools.amount_words import amount_in_words

AGREEMENT_TYPES = [
    ('agreement', 'Payment agreement'),
    ('restructure', 'Restructure'),
]
AGREEMENT_STATES = [
    ('draft', 'Draft'),
    ('to_approve', 'To Approve'),
    ('active', 'Active'),
    ('completed', 'Completed'),
    ('broken', 'Broken'),
    ('cancelled', 'Cancelled'),
]
FREQUENCIES = [
    ('weekly', 'Weekly'),
    ('biweekly', 'Every two weeks'),
    ('semimonthly', 'Twice a month'),
    ('monthly', 'Monthly'),
]
# Active agreements re-evaluated between two commits of the cron.
CHECK_BATCH = 200


class CobranzaAgreement(models.Model):
    """A debtor's agreement to pay some invoices in installments (or their restructure).

    Draft (installments generated, editable) → confirmed within the user's limits: active; above
    them: to approve. While active the invoices are excluded from the stage run (reason
    *agreement*) and each installment has its own reminders. Payments reconciled on the invoices
    (or on the restructure's lines) are allocated to the installments in order; all paid:
    completed; one late beyond the policy's grace: broken, and the invoices go back to collection.
    """
    _name = 'cobranza.agreement'
    _description = 'Payment Agreement'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'cobranza.approval.mixin']
    _order = 'id desc'
    _check_company_auto = True

    name = fields.Char(readonly=True, copy=False, default='/')
    agreement_type = fields.Selection(AGREEMENT_TYPES, string="Type", required=True, default='agreement',
                                      tracking=True)
    account_id = fields.Many2one('cobranza.account', string="Collection Account", required=True, index=True,
                                 ondelete='restrict', check_company=True, tracking=True)
    partner_id = fields.Many2one(related='account_id.partner_id', store=True, string="Debtor", index=True)
    company_id = fields.Many2one(related='account_id.company_id', store=True, index=True)
    # A restructure is in its invoices' currency when they share one (USD invoices: a USD schedule); a payment
    # agreement in the company's, as it always was.
    currency_id = fields.Many2one('res.currency', compute='_compute_currency_id', store=True)
    collector_id = fields.Many2one(related='account_id.collector_id', string="Collector")
    policy_id = fields.Many2one('cobranza.policy', compute='_compute_policy_id', store=True, readonly=False)
    move_ids = fields.Many2many(
        'account.move', 'cobranza_agreement_move_rel', 'agreement_id', 'move_id', string="Invoices",
        check_company=True, domain="[('cobranza_account_id', '=', account_id), ('move_type', '=', 'out_invoice'),"
                                   " ('state', '=', 'posted'), ('amount_residual', '>', 0)]")
    state = fields.Selection(AGREEMENT_STATES, required=True, default='draft', readonly=True, tracking=True,
                             index=True, copy=False)
    date = fields.Date(string="Agreement Date", required=True, default=fields.Date.context_today, tracking=True)
    amount_total = fields.Monetary(string="Debt Covered", tracking=True,
                                   help="What is due on the invoices when the agreement is made (the invoices' "
                                        "balance when empty).")
    down_payment = fields.Monetary(tracking=True)
    down_payment_date = fields.Date()
    installment_count = fields.Integer(string="Number of Installments", default=3)
    frequency = fields.Selection(FREQUENCIES, default='monthly', required=True)
    first_date = fields.Date(string="First Installment")
    interest_rate = fields.Float(string="Interest (% a month)", digits=(5, 4), compute='_compute_interest_rate',
                                 store=True, readonly=False)
    installment_ids = fields.One2many('cobranza.agreement.installment', 'agreement_id', string="Installments",
                                      copy=True)
    amount_interest = fields.Monetary(string="Interest", compute='_compute_amounts', store=True)
    amount_scheduled = fields.Monetary(string="Total to Pay", compute='_compute_amounts', store=True)
    amount_paid = fields.Monetary(string="Paid", readonly=True, copy=False)
    amount_left = fields.Monetary(string="Left to Pay", compute='_compute_amounts', store=True)
    residual_at_start = fields.Monetary(string="Due When Activated", readonly=True, copy=False)
    months = fields.Integer(compute='_compute_amounts', store=True)
    activation_date = fields.Date(readonly=True, copy=False)
    end_date = fields.Date(string="Ended On", readonly=True, copy=False)
    interest_move_id = fields.Many2one('account.move', string="Interest Invoice", readonly=True, copy=False,
                                       check_company=True)
    conditions = fields.Text(string="Additional Conditions")
    signed_document = fields.Binary(string="Signed Copy", attachment=True, copy=False)
    signed_document_name = fields.Char(copy=False)
    log_ids = fields.One2many('cobranza.contact.log', 'agreement_id', string="Contact Log", readonly=True)
    next_installment_id = fields.Many2one('cobranza.agreement.installment', compute='_compute_next_installment')

    _name_uniq = models.Constraint('UNIQUE(company_id, name)', 'The number of an agreement is unique.')

    @api.depends('account_id')
    def _compute_policy_id(self):
        for agreement in self:
            agreement.policy_id = agreement.account_id._cobranza_policy() if agreement.account_id else False

    @api.depends('move_ids.currency_id', 'company_id', 'agreement_type')
    def _compute_currency_id(self):
        for agreement in self:
            currencies = agreement.move_ids.currency_id
            agreement.currency_id = currencies if agreement.agreement_type == 'restructure' and len(currencies) == 1 \
                else agreement.company_id.currency_id

    @api.depends('policy_id')
    def _compute_interest_rate(self):
        for agreement in self:
            agreement.interest_rate = agreement.policy_id.agreement_interest_rate

    @api.onchange('move_ids')
    def _onchange_move_ids(self):
        self.amount_total = self._moves_due(self.move_ids)

    @api.depends('installment_ids.amount', 'installment_ids.interest', 'installment_ids.date', 'amount_paid', 'date')
    def _compute_amounts(self):
        for agreement in self:
            installments = agreement.installment_ids
            agreement.amount_interest = sum(installments.mapped('interest'))
            agreement.amount_scheduled = sum(installments.mapped('amount'))
            agreement.amount_left = max(agreement.amount_scheduled - agreement.amount_paid, 0.0)
            last = max(installments.mapped('date'), default=False)
            agreement.months = ta.months_spanned(agreement.date, last) if last and agreement.date else 0

    @api.depends('installment_ids.state')
    def _compute_next_installment(self):
        for agreement in self:
            agreement.next_installment_id = agreement.installment_ids.filtered(
                lambda i: i.state != 'paid').sorted(lambda i: (i.date, i.sequence))[:1]

    @api.constrains('move_ids', 'account_id')
    def _check_moves(self):
        for agreement in self:
            if agreement.move_ids.cobranza_account_id - agreement.account_id:
                raise ValidationError(self.env._("An agreement covers invoices of its own collection account only."))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('name', '/') == '/':
                vals['name'] = self.env['ir.sequence'].sudo().next_by_code('cobranza.agreement') or '/'
        agreements = super().create(vals_list)
        for agreement in agreements.filtered(lambda a: not a.amount_total and a.move_ids):
            agreement.amount_total = agreement._moves_due(agreement.move_ids)
        for agreement in agreements:
            agreement._log_step('agreement_proposed', self.env._(
                "%(type)s %(name)s proposed for %(amount)s", type=agreement._type_label(), name=agreement.name,
                amount=agreement._format(agreement.amount_total)))
        return agreements

    def write(self, vals):
        locked = set(vals) & {'account_id', 'move_ids', 'amount_total', 'down_payment', 'installment_ids',
                              'agreement_type', 'interest_rate', 'date'}
        if locked and not self.env.su and any(a.state != 'draft' for a in self):
            raise UserError(self.env._("Only a draft agreement can be changed: cancel it and make a new one."))
        result = super().write(vals)
        if vals.get('signed_document'):
            for agreement in self:
                agreement._log_step('agreement_signed', self.env._(
                    "Signed copy of %(name)s attached: %(file)s", name=agreement.name,
                    file=agreement.signed_document_name or ''))
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(agreement.state != 'draft' or agreement.log_ids for agreement in self):
            raise UserError(self.env._("An agreement that was proposed cannot be deleted: cancel it instead."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_generate_installments(self):
        """Replace the installments with ``installment_count`` of ``frequency`` from ``first_date``."""
        for agreement in self:
            if agreement.state != 'draft':
                raise UserError(self.env._("Only a draft agreement can be changed: cancel it and make a new one."))
            try:
                rows = ta.generate_schedule(
                    agreement.amount_total, agreement.down_payment, agreement.installment_count, agreement.frequency,
                    agreement.first_date or agreement.date, agreement.interest_rate,
                    agreement.down_payment_date or agreement.date)
            except ValueError as error:
                raise UserError(agreement._schedule_message(str(error))) from error
            agreement.installment_ids = [fields.Command.clear()] + [
                fields.Command.create({'sequence': index, 'date': row['date'], 'amount': row['amount'],
                                       'interest': row['interest'], 'down_payment': row['down_payment']})
                for index, row in enumerate(rows, start=1)]
        return True

    def _schedule_message(self, error):
        messages = {
            'the total of an agreement must be positive': self.env._("Choose invoices with something due."),
            'an agreement needs at least one installment': self.env._("An agreement needs at least one installment."),
            'the down payment must be less than the total': self.env._(
                "The down payment must be positive and less than the debt covered."),
            'the interest rate cannot be negative': self.env._("The interest rate cannot be negative."),
        }
        return messages.get(error, error)

    def action_confirm(self):
        """Check the schedule, then activate within the user's limits, or send it for approval."""
        for agreement in self:
            if agreement.state != 'draft':
                raise UserError(self.env._("Only a draft agreement can be confirmed."))
            agreement._check_schedule()
            if agreement._submit_or_approve():
                agreement._activate()
            else:
                agreement._log_step('agreement_submitted', self.env._(
                    "%(name)s sent for approval (%(role)s)", name=agreement.name,
                    role=dict(self._fields['required_role']._description_selection(self.env))[
                        agreement.required_role]))
        return True

    def action_approve(self):
        for agreement in self:
            agreement._mark_approved()
            agreement._log_step('agreement_approved', self.env._(
                "%(name)s approved by %(user)s", name=agreement.name, user=self.env.user.name))
            agreement._activate()
        return True

    def action_reject(self):
        for agreement in self:
            agreement._check_can_approve()
            agreement.sudo().write({'state': 'draft'})
            agreement.sudo().activity_unlink(['mail.mail_activity_data_todo'])
            agreement._log_step('agreement_rejected', self.env._(
                "%(name)s rejected by %(user)s: back to draft", name=agreement.name, user=self.env.user.name))
        return True

    def action_cancel(self):
        """Cancel a draft, waiting or active agreement (an active restructure only while nothing is paid)."""
        if not self.env.user.has_group('cobranza_mx.group_cobranza_supervisor') \
                and any(a.state == 'active' for a in self):
            raise UserError(self.env._("Only collection supervisors can cancel an active agreement."))
        for agreement in self:
            if agreement.state not in ('draft', 'to_approve', 'active'):
                raise UserError(self.env._("%(name)s is already closed.", name=agreement.name))
            was_active = agreement.state == 'active'
            if was_active and agreement.restructure_move_id and agreement._paid_since_start():
                raise UserError(self.env._("%(name)s has payments on its restructure: it cannot be undone any more.",
                                           name=agreement.name))
            agreement.sudo().write({'state': 'cancelled', 'end_date': fields.Date.context_today(self)})
            agreement.sudo().activity_unlink(['mail.mail_activity_data_todo'])
            if was_active:
                agreement._release()
            agreement._log_step('agreement_cancelled', self.env._("%(name)s cancelled by %(user)s",
                                                                  name=agreement.name, user=self.env.user.name))
        return True

    def action_print(self):
        return self.env.ref('cobranza_mx.action_report_cobranza_agreement').report_action(self)

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _check_schedule(self):
        self.ensure_one()
        if not self.move_ids:
            raise ValidationError(self.env._("Choose the invoices the agreement covers."))
        if not self.installment_ids:
            raise ValidationError(self.env._("Generate or enter the installments first."))
        if any(i.amount <= 0 or i.interest < 0 or i.interest >= i.amount for i in self.installment_ids):
            raise ValidationError(self.env._("Every installment needs a positive amount, more than its interest."))
        principal = sum(self.installment_ids.mapped('principal'))
        if self.currency_id.compare_amounts(principal, self.amount_total):
            raise ValidationError(self.env._(
                "The installments pay %(principal)s of the debt, not the %(total)s covered: adjust them.",
                principal=self._format(principal), total=self._format(self.amount_total)))
        if self.currency_id.compare_amounts(self.amount_total, self._moves_due(self.move_ids)) > 0:
            raise ValidationError(self.env._("The debt covered is more than what is due on the invoices."))
        if min(self.installment_ids.mapped('date')) < self.date:
            raise ValidationError(self.env._("No installment can be due before the agreement's date."))
        if self.amount_interest and not self.policy_id.with_company(self.company_id).agreement_interest_account_id:
            raise ValidationError(self.env._(
                "The policy %(policy)s has no interest account: set one, or make the agreement without interest.",
                policy=self.policy_id.name))

    def _approval_needed(self):
        self.ensure_one()
        return ta.required_role(self.months, 0.0, self.policy_id._agreement_limits())

    def _approval_policy(self):
        return self.policy_id

    def _activate(self):
        """Exclude the invoices from the run, book the interest or the restructure, and follow the installments."""
        self.ensure_one()
        moves = self.move_ids.sudo()
        closed = moves.filtered(lambda m: not m._cobranza_is_open())
        if closed:
            raise UserError(self.env._("%(invoices)s no longer have anything due.",
                                       invoices=', '.join(closed.mapped('name'))))
        others = self.sudo().search([('id', '!=', self.id), ('state', 'in', ('to_approve', 'active')),
                                     ('move_ids', 'in', moves.ids)])
        if others:
            raise UserError(self.env._("%(invoices)s are already covered by %(agreement)s.",
                                       invoices=', '.join((others.move_ids & moves).mapped('name')),
                                       agreement=others[0].name))
        busy = moves.filtered(lambda m: m.cobranza_excluded and m.cobranza_exclusion_reason != 'agreement')
        if busy:
            raise UserError(self.env._("%(invoices)s are excluded from collection (dispute, legal hold...): "
                                       "resolve that first.", invoices=', '.join(busy.mapped('name'))))
        today = fields.Date.context_today(self)
        self.sudo().write({'activation_date': today, 'residual_at_start': self._moves_due(moves)})
        # The entry closes the invoices before the agreement is active: that is no payment to allocate.
        if self.agreement_type == 'restructure':
            self._restructure_post()
        elif self.amount_interest:
            self._post_interest_invoice()
        self.sudo().write({'state': 'active'})
        self._exclude_moves(True)
        self._log_step('agreement_active', self.env._(
            "%(name)s active: %(count)s installments, %(amount)s, the last on %(date)s", name=self.name,
            count=len(self.installment_ids), amount=self._format(self.amount_scheduled),
            date=max(self.installment_ids.mapped('date'))))
        self._update_installments(today)

    def _post_interest_invoice(self):
        """The interest of a payment agreement, billed on one invoice the agreement covers too."""
        account = self.policy_id.with_company(self.company_id).agreement_interest_account_id
        invoice = self.env['account.move'].sudo().with_company(self.company_id).create({
            'move_type': 'out_invoice', 'partner_id': self.partner_id.id, 'invoice_date': self.date,
            'invoice_date_due': max(self.installment_ids.mapped('date')), 'invoice_payment_term_id': False,
            'currency_id': self.currency_id.id,
            'invoice_origin': self.name,
            'invoice_line_ids': [fields.Command.create({
                'name': self.env._("Interest of payment agreement %(name)s", name=self.name), 'quantity': 1,
                'price_unit': self.amount_interest, 'account_id': account.id, 'tax_ids': [fields.Command.clear()]})],
        })
        invoice.action_post()
        invoice.cobranza_account_id = self.account_id
        self.sudo().write({'interest_move_id': invoice.id, 'move_ids': [fields.Command.link(invoice.id)],
                           'residual_at_start': self.residual_at_start + self._moves_due(invoice)})

    def _exclude_moves(self, exclude):
        """Exclude the covered invoices from the run (reason *agreement*), or include them again."""
        moves = self.move_ids.sudo().filtered(lambda m: m.move_type == 'out_invoice')
        if not exclude:
            moves = moves.filtered(lambda m: m.cobranza_exclusion_reason == 'agreement')
        moves.write({'cobranza_excluded': exclude, 'cobranza_exclusion_reason': 'agreement' if exclude else False,
                     'cobranza_exclusion_note': self.name if exclude else False})
        body = (self.env._("Excluded from collection: payment agreement %(name)s", name=self.name) if exclude
                else self.env._("Included again in collection: payment agreement %(name)s ended", name=self.name))
        for move in moves:
            move.message_post(body=body)

    def _paid_since_start(self):
        """What was paid towards the agreement since it was activated."""
        self.ensure_one()
        if self.agreement_type == 'restructure' and self.restructure_move_id:
            lines = self.installment_ids.restructure_line_id
            return sum(lines.mapped('amount_currency')) - sum(lines.mapped('amount_residual_currency'))
        paid = self.residual_at_start - self._moves_due(self.move_ids.sudo())
        # A condonation granted on these invoices meanwhile is not a payment (condonations are in the company's
        # currency).
        if self.currency_id == self.company_id.currency_id:
            paid -= self.env['cobranza.condonation'].sudo()._amount_applied_on(self.move_ids, self.activation_date)
        return max(self.currency_id.round(paid), 0.0)

    def _update_installments(self, today, allow_break=True):
        """Allocate what was paid to the installments in order; complete or (``allow_break``) break."""
        for agreement in self.filtered(lambda a: a.state == 'active'):
            policy = agreement.policy_id
            installments = agreement.installment_ids.sorted(lambda i: (i.date, i.sequence, i.id))
            paid = agreement._paid_since_start()
            verdict, rows = ta.agreement_verdict(
                [(i.date, i.amount) for i in installments], paid, today, policy.agreement_grace_days,
                policy.agreement_tolerance)
            for installment, (part, state) in zip(installments, rows, strict=True):
                vals = {}
                if agreement.currency_id.compare_amounts(part, installment.paid_amount):
                    vals['paid_amount'] = part
                if state != installment.state:
                    vals['state'] = state
                    if state == ta.PAID:
                        vals['paid_date'] = today
                if vals:
                    installment.sudo().write(vals)
                    if vals.get('state') == ta.PAID:
                        agreement._log_step('agreement_installment_paid', self.env._(
                            "Installment %(number)s of %(name)s paid (%(amount)s)", number=installment.sequence,
                            name=agreement.name, amount=agreement._format(installment.amount)))
            if agreement.currency_id.compare_amounts(paid, agreement.amount_paid):
                agreement.sudo().amount_paid = paid
            if verdict == ta.COMPLETED:
                agreement._complete(today)
            elif verdict == ta.BROKEN and allow_break:
                agreement._break(today)

    def _complete(self, today):
        self.ensure_one()
        self.sudo().write({'state': 'completed', 'end_date': today})
        self._exclude_moves(False)
        self._log_step('agreement_completed', self.env._("%(name)s completed: every installment paid",
                                                         name=self.name))

    def _break(self, today):
        """Late beyond the grace: the invoices go back to collection, the collector and supervisor are told."""
        self.ensure_one()
        late = self.installment_ids.filtered(lambda i: i.state == ta.LATE).sorted('date')[:1]
        self.sudo().write({'state': 'broken', 'end_date': today})
        self._release(broken=True)
        detail = self.env._("%(name)s broken: installment %(number)s of %(amount)s due on %(date)s is unpaid "
                            "after %(days)s days of grace", name=self.name, number=late.sequence,
                            amount=self._format(late.amount - late.paid_amount), date=late.date,
                            days=self.policy_id.agreement_grace_days)
        self._log_step('agreement_broken', detail)
        users = self.user_id | self.account_id.collector_id
        if self.policy_id.promise_escalate:
            users |= self.policy_id._cobranza_supervisor(self.company_id)
        for user in users.filtered(lambda u: u.active and not u.share):
            self.sudo().activity_schedule('mail.mail_activity_data_todo', date_deadline=today,
                                          summary=self.env._("Payment agreement broken"), note=detail,
                                          user_id=user.id)

    def _release(self, broken=False):
        """The agreement ends unkept: its reminders stop (but a broken restructure's, whose installments stay the
        debt) and the invoices are collected. A cancelled restructure
        is undone; a ``broken`` one stays, and the daily run collects its installment lines by their dates."""
        self.ensure_one()
        if not self._reminds_installments():
            self.env['cobranza.reminder'].sudo()._agreement_reminders_cancel(self.installment_ids)
        if self.agreement_type == 'restructure' and self.restructure_move_id and not self.restructure_reversal_id:
            if broken:
                self._log_step('restructure_collected', self.env._(
                    "Restructure %(name)s broken: its entry %(entry)s stays and the daily run collects its "
                    "installments by their due dates", name=self.name, entry=self.restructure_move_id.name))
            else:
                self._restructure_unwind()
        self._exclude_moves(False)

    @api.model
    def _cron_check_agreements(self):
        """Cron entry: allocate the payments of every active agreement, complete or break them, in batches."""
        today = fields.Date.context_today(self)
        done = []
        while True:
            batch = self.sudo().search([('state', '=', 'active'), ('id', 'not in', done)], limit=CHECK_BATCH)
            if not batch:
                break
            done += batch.ids
            for agreement in batch:
                try:
                    with self.env.cr.savepoint():
                        agreement._update_installments(today)
                except Exception as error:  # noqa: BLE001  # pylint: disable=broad-exception-caught
                    # One agreement's error must not stop the others: it is on its chatter.
                    agreement.message_post(body=self.env._("The daily check failed: %(error)s", error=error))
            self.env['ir.cron']._commit_progress(len(batch))

    @api.model
    def _check_moves_paid(self, moves):
        """Re-allocate the active agreements on ``moves`` (their reconciliations changed)."""
        agreements = self.sudo().search(['&', ('state', '=', 'active'), '|', ('move_ids', 'in', moves.ids),
                                         ('restructure_move_id', 'in', moves.ids)])
        agreements._update_installments(fields.Date.context_today(self), allow_break=False)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _format(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _moves_due(self, moves):
        """What is due on ``moves`` in the agreement's currency."""
        self.ensure_one()
        if self.currency_id and self.currency_id != self.company_id.currency_id:
            return sum(moves.mapped('amount_residual'))
        return sum(moves.mapped('amount_residual_signed'))

    def _type_label(self):
        return dict(self._fields['agreement_type']._description_selection(self.env))[self.agreement_type]

    def _log_step(self, result, detail):
        """One row of the contact log for this step of the agreement, in the name of the current user."""
        self.ensure_one()
        return self._log_approval_step(result, detail, agreement_id=self.id)

    def _report_amounts_in_words(self):
        """The amounts of the agreement's PDF in words, as Mexican documents write them."""
        self.ensure_one()
        code = self.currency_id.name
        return {
            'total': amount_in_words(self.amount_total, code),
            'scheduled': amount_in_words(self.amount_scheduled, code),
            'installments': {i.id: amount_in_words(i.amount, code) for i in self.installment_ids},
        }

    def _reminder_move(self):
        """The invoice an installment's reminders are attached to: the first one due the agreement covers."""
        self.ensure_one()
        return self.move_ids.sorted(lambda m: (m.invoice_date_due or m.date, m.id))[:1]
