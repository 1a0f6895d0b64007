"""Approval by amount and role, shared by payment agreements and condonations.

A collection user may grant what their role's limits on the policy allow (collector < supervisor <
administrator, who has none): within them, confirming activates at once; above them the record
waits in ``to_approve`` with an activity for a user of the role needed, and the author never
approves their own.
"""
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import agreements as ta

ROLE_LABELS = [
    ('collector', 'Collector'),
    ('supervisor', 'Collection Supervisor'),
    ('manager', 'Collection Administrator'),
]
ROLE_GROUPS = {
    'collector': 'cobranza_mx.group_cobranza_collector',
    'supervisor': 'cobranza_mx.group_cobranza_supervisor',
    'manager': 'cobranza_mx.group_cobranza_manager',
}


class CobranzaApprovalMixin(models.AbstractModel):
    _name = 'cobranza.approval.mixin'
    _description = 'Collection Approval by Role'

    user_id = fields.Many2one('res.users', string="Negotiated By", required=True, readonly=True,
                              default=lambda self: self.env.user, index=True)
    required_role = fields.Selection(ROLE_LABELS, string="Approval Needed", readonly=True, copy=False)
    approver_id = fields.Many2one('res.users', string="Approved By", readonly=True, copy=False)
    approval_date = fields.Datetime(string="Approved On", readonly=True, copy=False)

    @api.model
    def _user_role(self, user):
        """The highest collection role of ``user`` (a key of :data:`ROLE_GROUPS`), or None."""
        for role in reversed(ta.ROLES):
            if user.has_group(ROLE_GROUPS[role]):
                return role
        return None

    def _approval_needed(self):
        """The role whose limits this record needs (override): one of :data:`..tools.agreements.ROLES`."""
        raise NotImplementedError

    def _approval_policy(self):
        raise NotImplementedError

    def _approvers(self, role):
        """Who may approve at ``role``: the policy's supervisor first, then the role's users of the company."""
        self.ensure_one()
        users = self.env['res.users']
        if role == 'supervisor':
            users |= self._approval_policy()._cobranza_supervisor(self.company_id)
        group = self.env.ref(ROLE_GROUPS[role])
        users |= self.env['res.users'].sudo().search([
            ('all_group_ids', 'in', group.id), ('company_ids', 'in', self.company_id.id), ('share', '=', False),
        ], order='id')
        return users.filtered(lambda u: u != self.user_id and self._user_role(u) in ta.ROLES[ta.ROLES.index(role):])

    def _submit_or_approve(self):
        """Within the user's limits: approved by them (True). Above: ``to_approve`` and an activity (False)."""
        self.ensure_one()
        needed = self._approval_needed()
        role = self._user_role(self.env.user)
        if role is None:
            raise UserError(self.env._("Only collection users can confirm this."))
        if ta.role_allows(role, needed):
            self.sudo().write({'required_role': needed, 'approver_id': self.env.user.id,
                               'approval_date': fields.Datetime.now()})
            return True
        self.sudo().write({'state': 'to_approve', 'required_role': needed})
        labels = dict(ROLE_LABELS)
        approver = self._approvers(needed)[:1]
        if approver:
            self.sudo().activity_schedule(
                'mail.mail_activity_data_todo', date_deadline=fields.Date.context_today(self),
                summary=self.env._("Approve %(record)s", record=self.display_name),
                note=self.env._("Above the limits of %(user)s: needs a %(role)s.", user=self.user_id.name,
                                role=labels[needed]),
                user_id=approver.id)
        return False

    def _check_can_approve(self):
        self.ensure_one()
        if self.state != 'to_approve':
            raise UserError(self.env._("Only a record waiting for approval can be approved."))
        if self.user_id == self.env.user:
            raise UserError(self.env._("You negotiated %(record)s: someone else must approve it.",
                                       record=self.display_name))
        if not ta.role_allows(self._user_role(self.env.user), self.required_role):
            raise UserError(self.env._("%(record)s exceeds your approval limits: it needs a %(role)s.",
                                       record=self.display_name, role=dict(ROLE_LABELS)[self.required_role]))

    def _mark_approved(self):
        self._check_can_approve()
        self.sudo().write({'approver_id': self.env.user.id, 'approval_date': fields.Datetime.now()})
        self.sudo().activity_feedback(['mail.mail_activity_data_todo'],
                                      feedback=self.env._("Approved by %(user)s", user=self.env.user.name))

    def _log_approval_step(self, result, detail, **values):
        """A row of the contact log (channel *agreement*) for a step of this record, by the current user."""
        self.ensure_one()
        return self.account_id.sudo()._log_contact('agreement', result, detail=detail[:250],
                                                   move_ids=[fields.Command.set(self.move_ids.ids)], **values)
