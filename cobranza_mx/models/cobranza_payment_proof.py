"""Payment proofs (soportes de pago): the files a debtor sends to show they paid, kept and classified."""
import base64

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount

from ..tools import payment_proof as pp

PROOF_TYPES = [
    ('spei', 'SPEI transfer (CEP)'),
    ('deposit', 'Bank deposit'),
    ('card', 'Card voucher'),
    ('check', 'Check'),
    ('cfdi_payment', 'CFDI payment complement'),
    ('withholding', 'Withholding certificate'),
    ('other', 'Other'),
]
PROOF_SOURCES = [
    ('portal', 'Debtor portal'),
    ('collector', 'Collector'),
    ('staff', 'Staff'),
    ('email', 'E-mail'),
]
PROOF_STATES = [
    ('received', 'Received'),
    ('in_review', 'In review'),
    ('validated', 'Validated'),
    ('rejected', 'Rejected'),
    ('expired', 'Expired'),
]
REJECTION_REASONS = [
    ('duplicate', 'Duplicate of another proof'),
    ('illegible', 'Illegible or incomplete'),
    ('amount_mismatch', 'The amount does not match'),
    ('not_found', 'The payment is not in the bank'),
    ('wrong_beneficiary', 'Paid to another beneficiary'),
    ('altered', 'Altered document'),
    ('other', 'Other'),
]
# States in which a proof still waits for someone: it may expire, be validated or rejected.
PENDING_STATES = ('received', 'in_review')
# Fields only the proof's own methods write (as the superuser, after their checks).
WORKFLOW_FIELDS = frozenset({'state', 'rejection_reason', 'validated_by_id', 'validated_date', 'payment_id',
                             'statement_line_id', 'expiry_date', 'file_hashes'})


class CobranzaPaymentProof(models.Model):
    """A proof of payment: files, what they say (amount, date, bank, reference) and its validity.

    Created by a collector, staff, an incoming e-mail or the debtor on the portal (:meth:`_create_from_files`).
    It is *validated* once linked to the payment or the bank statement line it proves (same amount, date
    within the policy's tolerance), *rejected* with a reason, or *expired* when nobody validated it within
    the policy's days (:meth:`_cron_expire_proofs`). Its files are checked by content and a file or a
    reference already received is refused.
    """
    _name = 'cobranza.payment.proof'
    _description = 'Payment Proof'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'received_date desc, id desc'
    _check_company_auto = True

    name = fields.Char(string="Number", required=True, readonly=True, copy=False, default='/')
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    partner_id = fields.Many2one('res.partner', string="Debtor", required=True, index=True, tracking=True,
                                 domain="[('parent_id', '=', False)]")
    account_id = fields.Many2one('cobranza.account', string="Collection Account", compute='_compute_account_id',
                                 store=True, index='btree_not_null')
    collector_id = fields.Many2one(related='account_id.collector_id', string="Collector")
    move_ids = fields.Many2many(
        'account.move', 'cobranza_payment_proof_move_rel', 'proof_id', 'move_id', string="Invoices",
        check_company=True, tracking=True,
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'), "
               "('state', '=', 'posted')]")
    proof_type = fields.Selection(PROOF_TYPES, string="Type", required=True, default='spei', tracking=True)
    source = fields.Selection(PROOF_SOURCES, required=True, default=lambda self: self._default_source(),
                              readonly=True)
    amount = fields.Monetary(required=True, tracking=True)
    payment_date = fields.Date(required=True, tracking=True)
    bank = fields.Char()
    reference = fields.Char(help="The reference of the deposit or transfer, or the SPEI tracking key "
                                 "(clave de rastreo).", tracking=True)
    reference_key = fields.Char(compute='_compute_reference_key', store=True, index='btree_not_null')
    note = fields.Text()
    attachment_ids = fields.Many2many(
        'ir.attachment', 'cobranza_payment_proof_attachment_rel', 'proof_id', 'attachment_id', string="Files")
    file_hashes = fields.Char(string="SHA-256 of the Files", readonly=True, copy=False, index='trigram')
    state = fields.Selection(PROOF_STATES, required=True, default='received', readonly=True, tracking=True,
                             index=True, copy=False)
    received_date = fields.Date(required=True, readonly=True, default=fields.Date.context_today, copy=False)
    expiry_date = fields.Date(string="Expires On", readonly=True, copy=False,
                              help="Not validated by this day, the proof expires.")
    age_days = fields.Integer(string="Age (days)", compute='_compute_age_days')
    rejection_reason = fields.Selection(REJECTION_REASONS, readonly=True, tracking=True, copy=False)
    rejection_note = fields.Char(readonly=True, copy=False)
    payment_id = fields.Many2one('account.payment', readonly=True, copy=False,
                                 index='btree_not_null', check_company=True)
    statement_line_id = fields.Many2one('account.bank.statement.line', string="Bank Statement Line",
                                        readonly=True, copy=False, index='btree_not_null', check_company=True)
    validated_by_id = fields.Many2one('res.users', readonly=True, copy=False)
    validated_date = fields.Datetime(string="Validated On", readonly=True, copy=False)
    # What the CEP (Banxico's receipt of a SPEI transfer) says, when the proof carries one.
    cep_issuer = fields.Char(string="Paid By (CEP)", readonly=True)
    cep_receiver = fields.Char(string="Paid To (CEP)", readonly=True)

    _amount_positive = models.Constraint('CHECK(amount > 0)', 'The amount of a payment proof must be positive.')

    @api.model
    def _default_source(self):
        if self.env.user.share:
            return 'portal'
        supervisor = self.env.user.has_group('cobranza_mx.group_cobranza_supervisor')
        return 'staff' if supervisor or not self.env.user.has_group('cobranza_mx.group_cobranza_collector') \
            else 'collector'

    @api.depends('partner_id', 'company_id')
    def _compute_account_id(self):
        accounts = self.env['cobranza.account'].sudo()
        for proof in self:
            partner = proof.partner_id.commercial_partner_id
            proof.account_id = partner and accounts.search(
                [('partner_id', '=', partner.id), ('company_id', '=', proof.company_id.id)], limit=1)

    @api.depends('reference')
    def _compute_reference_key(self):
        for proof in self:
            proof.reference_key = pp.normalize_reference(proof.reference) or False

    @api.depends('received_date')
    def _compute_age_days(self):
        today = fields.Date.context_today(self)
        for proof in self:
            proof.age_days = (today - proof.received_date).days if proof.received_date else 0

    @api.constrains('move_ids', 'partner_id')
    def _check_moves(self):
        for proof in self:
            if proof.move_ids.commercial_partner_id - proof.partner_id.commercial_partner_id:
                raise ValidationError(self.env._("A payment proof covers invoices of its own debtor only."))

    def _check_duplicate_reference(self):
        # Called by create and write once the proofs are written, not a constraint: it searches the others.
        self.flush_model(['reference_key', 'amount', 'state', 'company_id'])
        for proof in self.filtered('reference_key'):
            other = self.sudo().search([
                ('id', '!=', proof.id), ('company_id', '=', proof.company_id.id),
                ('reference_key', '=', proof.reference_key), ('amount', '=', proof.amount),
                ('state', 'not in', ('rejected', 'expired')),
            ], limit=1)
            if other:
                raise ValidationError(self.env._(
                    "A payment proof with reference %(reference)s and amount %(amount)s was already received: "
                    "%(proof)s.", reference=proof.reference, proof=other.name,
                    amount=format_amount(self.env, proof.amount, proof.currency_id)))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_workflow_fields(vals)
            if vals.get('partner_id'):
                vals['partner_id'] = self.env['res.partner'].browse(vals['partner_id']).commercial_partner_id.id
            if vals.get('name', '/') == '/':
                vals['name'] = self.env['ir.sequence'].sudo().next_by_code('cobranza.payment.proof') or '/'
        proofs = super().create(vals_list)
        for proof in proofs:
            policy = proof._policy()
            proof.sudo().expiry_date = pp.expiry_date(proof.received_date, policy.proof_validity_days)
        proofs._process_files()
        proofs._check_duplicate_reference()
        return proofs

    def write(self, vals):
        self._check_workflow_fields(vals)
        if self.filtered(lambda p: p.state not in PENDING_STATES) and not self.env.su \
                and set(vals) - {'note', 'message_main_attachment_id'}:
            raise UserError(self.env._("A validated, rejected or expired payment proof cannot be changed."))
        result = super().write(vals)
        if 'attachment_ids' in vals:
            self._process_files()
        if {'reference', 'amount', 'company_id', 'attachment_ids'}.intersection(vals):
            self._check_duplicate_reference()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_decided(self):
        if self.filtered(lambda p: p.state in ('validated', 'rejected')):
            raise UserError(self.env._("A validated or rejected payment proof is evidence: it cannot be deleted."))

    def _check_workflow_fields(self, vals):
        if self.env.su:
            return
        refused = WORKFLOW_FIELDS.intersection(vals)
        if refused:
            raise UserError(self.env._(
                "These fields of a payment proof are set by its validation, rejection or expiry only: %(fields)s.",
                fields=', '.join(sorted(self._fields[name]._description_string(self.env) for name in refused))))

    # ------------------------------------------------------------------
    # Files
    # ------------------------------------------------------------------
    def _policy(self):
        self.ensure_one()
        if self.account_id:
            return self.account_id._cobranza_policy()
        return self.env['cobranza.policy'].sudo().search([('company_id', 'in', [self.company_id.id, False])],
                                                          limit=1)

    @api.model
    def _max_file_bytes(self, company=None):
        policy = self.env['cobranza.policy'].sudo().search(
            [('company_id', 'in', [(company or self.env.company).id, False])], limit=1)
        return int((policy.proof_max_file_mb or 5) * 1024 * 1024)

    @api.model
    def _check_file_data(self, data, filename, company=None):
        """The kind of a proof file (:func:`pp.check_file`), or a translated ``ValidationError``."""
        max_bytes = self._max_file_bytes(company)
        try:
            return pp.check_file(data, max_bytes)
        except pp.ProofFileError as e:
            if e.code == pp.ERR_EMPTY:
                message = self.env._("The file %(file)s is empty.", file=filename)
            elif e.code == pp.ERR_TOO_LARGE:
                message = self.env._("The file %(file)s is larger than %(size)s MB.", file=filename,
                                     size=round(max_bytes / 1024 / 1024, 1))
            elif e.code == pp.ERR_XML:
                message = self.env._("The file %(file)s is not well-formed XML.", file=filename)
            else:
                message = self.env._("The file %(file)s is not a PDF, a JPG or PNG image or an XML file.",
                                     file=filename)
            raise ValidationError(message) from e

    def _process_files(self):
        """Check the files of these proofs by content, refuse those already received, read their CEP."""
        for proof in self:
            hashes = []
            cep = None
            for attachment in proof.attachment_ids.sudo():
                data = attachment.raw or b''
                proof._check_file_data(data, attachment.name, proof.company_id)
                hashes.append(pp.file_hash(data))
                if cep is None and pp.is_cep(data):
                    try:
                        cep = pp.parse_cep(data)
                    except ValueError as e:
                        raise ValidationError(self.env._(
                            "The file %(file)s looks like a Banxico CEP but cannot be read: %(error)s",
                            file=attachment.name, error=str(e))) from e
                if attachment.res_model != self._name or attachment.res_id != proof.id:
                    attachment.write({'res_model': self._name, 'res_id': proof.id})
            for file_hash in hashes:
                other = self.sudo().search([('id', '!=', proof.id), ('company_id', '=', proof.company_id.id),
                                            ('file_hashes', 'like', file_hash)], limit=1)
                if other:
                    raise ValidationError(self.env._(
                        "This file was already received as payment proof %(proof)s (%(state)s).", proof=other.name,
                        state=dict(other._fields['state']._description_selection(self.env))[other.state]))
            vals = {'file_hashes': ' '.join(hashes) or False}
            if cep:
                vals.update(proof._cep_values(cep))
            proof.sudo().write(vals)

    def _cep_values(self, cep):
        """What a CEP fills in: tracking key, amount, date, banks; a CEP for another amount is refused."""
        self.ensure_one()
        amount = float(cep.amount)
        if self.amount and self.currency_id.compare_amounts(self.amount, amount):
            raise ValidationError(self.env._(
                "The CEP is for %(cep)s, not for the %(amount)s of this proof.",
                cep=format_amount(self.env, amount, self.currency_id),
                amount=format_amount(self.env, self.amount, self.currency_id)))
        return {
            'proof_type': 'spei',
            'reference': cep.tracking_key,
            'amount': amount,
            'payment_date': cep.date,
            'bank': cep.issuer.bank,
            'cep_issuer': ' - '.join(filter(None, (cep.issuer.name, cep.issuer.rfc))),
            'cep_receiver': ' - '.join(filter(None, (cep.receiver.name, cep.receiver.rfc, cep.receiver.bank))),
        }

    @api.model
    def _create_from_files(self, vals, files):
        """Create a proof from ``vals`` and ``files`` [(file name, bytes)], checking every file first.

        A bad file raises a ``ValidationError`` before anything is stored. Used by the portal and the
        collector's upload; the attachments are created as the superuser once the files passed.
        """
        if not files:
            raise ValidationError(self.env._("Attach the file of the payment proof."))
        company = self.env['res.company'].browse(vals.get('company_id')) or self.env.company
        for filename, data in files:
            self._check_file_data(data, filename, company)
        vals = dict(vals)
        cep = next((pp.parse_cep(data) for _name, data in files if pp.is_cep(data)), None)
        if cep and not vals.get('amount'):
            vals['amount'] = float(cep.amount)
        if cep and not vals.get('payment_date'):
            vals['payment_date'] = cep.date
        attachments = self.env['ir.attachment'].sudo().create([{
            'name': filename, 'datas': base64.b64encode(data), 'res_model': self._name,
            'mimetype': pp.MIMETYPES[pp.sniff(data)],
        } for filename, data in files])
        vals['attachment_ids'] = [fields.Command.set(attachments.ids)]
        return self.create(vals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_submit_review(self):
        self.filtered(lambda p: p.state == 'received').sudo().write({'state': 'in_review'})
        return True
