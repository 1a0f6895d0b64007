"""The actions of collection stages, and the cron executing those queued by the daily run."""
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

# Queued accounts read and executed between two commits of the stage actions cron.
QUEUE_BATCH_SIZE = 1000


class CobranzaStageAction(models.Model):
    """What happens when a collection account enters a stage.

    Each ``action_type`` is executed by a ``_execute_<action_type>`` method that
    receives the accounts entering the stage and the run date, so new kinds of
    actions (reminders, visits, dictamen) are added with ``selection_add`` and one
    method.
    """
    _name = 'cobranza.stage.action'
    _description = 'Collection Stage Action'
    _order = 'stage_id, sequence, id'

    stage_id = fields.Many2one('cobranza.stage', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='stage_id.company_id', store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(compute='_compute_name', store=True, readonly=False)
    active = fields.Boolean(default=True)
    action_type = fields.Selection(
        [('activity', 'Schedule an activity')], required=True, default='activity')
    activity_type_id = fields.Many2one(
        'mail.activity.type',
        default=lambda self: self.env.ref('mail.mail_activity_data_call', raise_if_not_found=False))
    activity_summary = fields.Char(string="Summary", translate=True)
    activity_note = fields.Html(string="Note", translate=True)
    activity_deadline_days = fields.Integer(string="Deadline (days)", default=1)
    activity_user_id = fields.Many2one(
        'res.users', string="Fallback Responsible",
        help="Responsible when the account has no collector.")

    @api.depends('action_type', 'activity_type_id', 'activity_summary')
    def _compute_name(self):
        labels = dict(self._fields['action_type']._description_selection(self.env))
        for action in self:
            detail = action.activity_summary or action.activity_type_id.name or ''
            action.name = ' - '.join(filter(None, [labels.get(action.action_type), detail]))

    # ------------------------------------------------------------------
    # The queue: accounts the daily run saw entering a stage with actions
    # ------------------------------------------------------------------
    @api.model
    def _cron_process_queue(self):
        """Cron entry: execute the queued stage actions, committing after each batch."""
        self._process_queue(commit=True)

    @api.model
    def _process_queue(self, commit=False, batch_size=QUEUE_BATCH_SIZE):
        """Execute the entry actions of the queued accounts, batch by batch; isolate failures.

        The daily run queues an account (``action_stage_id``, ``action_run_id``) when it enters a
        stage with active actions. An account that left the stage before its turn (paid, moved on)
        has nothing to do.
        """
        Account = self.env['cobranza.account'].sudo().with_context(active_test=False)
        domain = [('action_stage_id', '!=', False)]
        if commit:
            self.env['ir.cron']._commit_progress(remaining=Account.search_count(domain))
        while accounts := Account.search(domain, order='id', limit=batch_size):
            for (run, stage), group in accounts.grouped(lambda a: (a.action_run_id, a.action_stage_id)).items():
                due = group.filtered(lambda a, stage=stage: a.stage_id == stage)
                run = run.with_company(stage.company_id or run.company_id or self.env.company)
                stage.action_ids._execute_for_run(due, run)
            accounts.write({'action_stage_id': False, 'action_run_id': False})
            self.env.flush_all()
            if commit and self.env['ir.cron']._commit_progress(len(accounts)) <= 0:
                return

    def _execute_for_run(self, accounts, run):
        """Execute the active actions among these for ``accounts``, counted on ``run`` (the run that
        queued them, possibly none); failing accounts are left on record and the others go on."""
        actions = self.filtered('active')
        if not actions or not accounts:
            return
        date = run.date or fields.Date.context_today(run)
        executed, errors = 0, []
        try:
            with run.env.cr.savepoint():
                actions._execute(accounts, date)
            executed = len(accounts) * len(actions)
        except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught
            # Any error of an account's action: find the failing accounts, keep the others.
            run.env.invalidate_all()
            for account in accounts:
                try:
                    with run.env.cr.savepoint():
                        actions._execute(account, date)
                    executed += len(actions)
                except Exception as e:  # noqa: BLE001  # pylint: disable=broad-exception-caught
                    # This account's error is left on record, the others go on (as a cron's records).
                    run.env.invalidate_all()
                    errors.append((account, e))
        if run:
            run.sudo().write({'action_count': run.action_count + executed,
                              'error_count': run.error_count + len(errors)})
        for account, error in errors:
            run._log_record_error(account, error)

    # ------------------------------------------------------------------
    # Executing actions
    # ------------------------------------------------------------------
    def _execute(self, accounts, run_date):
        """Run every active action of these stages for the accounts entering them."""
        for action in self.filtered('active'):
            getattr(action, f'_execute_{action.action_type}')(accounts, run_date)

    def _execute_activity(self, accounts, run_date):
        model_id = self.env['ir.model']._get_id('cobranza.account')
        activity_type = self.activity_type_id or self.env.ref('mail.mail_activity_data_todo')
        deadline = run_date + timedelta(days=self.activity_deadline_days)
        vals_list = []
        for account in accounts:
            user = account.collector_id or self.activity_user_id
            if not user:
                raise UserError(self.env._(
                    "Stage %(stage)s schedules an activity but account %(account)s has no collector "
                    "and the action has no fallback responsible.",
                    stage=self.stage_id.name, account=account.display_name))
            vals_list.append({
                'res_model_id': model_id,
                'res_id': account.id,
                'activity_type_id': activity_type.id,
                'summary': self.activity_summary or activity_type.summary or self.stage_id.name,
                'note': self.activity_note,
                'date_deadline': deadline,
                'user_id': user.id,
            })
        self.env['mail.activity'].with_context(mail_activity_quick_update=True).create(vals_list)
