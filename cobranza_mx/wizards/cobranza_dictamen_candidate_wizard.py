"""Candidates to an uncollectability dictamen: debtors whose credits meet LISR art. 27 fr. XV (a), (b) or (c)."""
from collections import defaultdict
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.cobranza_dictamen import BASES
from ..tools import uncollectable as uc


class CobranzaDictamenCandidateWizard(models.TransientModel):
    _name = 'cobranza.dictamen.candidate.wizard'
    _description = 'Find Uncollectable Candidates'

    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    as_of = fields.Date(string="Evaluate On", required=True, default=fields.Date.context_today)
    line_ids = fields.One2many('cobranza.dictamen.candidate', 'wizard_id', readonly=True)

    def action_find(self):
        """Evaluate every debtor with open overdue invoices and open the list of candidates."""
        self.ensure_one()
        self.line_ids.unlink()
        self.env['cobranza.dictamen.candidate'].create(self._candidate_vals())
        action = self.env['ir.actions.act_window']._for_xml_id('cobranza_mx.cobranza_dictamen_candidate_action')
        action['domain'] = [('wizard_id', '=', self.id)]
        return action

    def _open_overdue_invoices(self):
        return self.env['account.move'].search([
            ('company_id', '=', self.company_id.id), ('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),
            ('payment_state', 'in', ('not_paid', 'partial')), ('invoice_date_due', '<', self.as_of),
            ('cobranza_dictamen_id', '=', False)])

    def _candidate_vals(self):
        by_debtor = defaultdict(lambda: self.env['account.move'])
        for move in self._open_overdue_invoices():
            by_debtor[move.commercial_partner_id] |= move
        if not by_debtor:
            return []
        rates = self.env['cobranza.udi.rate']._values_for(
            {due for moves in by_debtor.values() for due in moves.mapped('invoice_date_due')})
        evidence = self._evidence_by_debtor(list(by_debtor))
        vals_list = []
        for partner, moves in by_debtor.items():
            debtor = uc.Debtor(
                key=partner.id,
                credits=tuple(uc.Credit(move.id, move.invoice_date_due, Decimal(str(move.amount_residual_signed)))
                              for move in moves),
                business_activity=partner.cobranza_business_activity,
                judicial=self._is_judicial(partner),
                insolvency_date=partner.cobranza_insolvency_date,
                evidence=frozenset(evidence.get(partner, ())))
            candidate = uc.evaluate(debtor, rates, self.as_of)
            vals = self._line_vals(partner, moves, candidate)
            if vals:
                vals_list.append(vals)
        return vals_list

    def _line_vals(self, partner, moves, candidate):
        """The line of one debtor: a candidate today, or one whose (a) year of default is still to come."""
        ready = candidate.is_candidate
        month = candidate.month
        if not ready:
            if candidate.total_udis > uc.UDI_LIMIT:
                return None
            month = uc.first_of_month(min(uc.one_year_of_default(result.credit.due_date)
                                          for result in candidate.credits))
        eligible = self.env['account.move'].browse([result.credit.key for result in candidate.eligible])
        labels = dict(self.env['cobranza.dictamen.document']._fields['doc_type']._description_selection(self.env))
        return {
            'wizard_id': self.id, 'company_id': self.company_id.id, 'partner_id': partner.id,
            'basis': candidate.basis or uc.BASIS_SMALL, 'ready': ready,
            'move_ids': [Command.set(moves.ids)], 'eligible_move_ids': [Command.set(eligible.ids)],
            'amount_total': float(candidate.total), 'amount_udis': float(candidate.total_udis),
            'month': month,
            'missing_evidence': ', '.join(labels.get(code, code) for code in candidate.missing) or False,
            'missing_count': len(candidate.missing),
            'dictamen_id': self.env['cobranza.dictamen'].search([
                ('partner_id', '=', partner.id), ('company_id', '=', self.company_id.id),
                ('state', 'in', ('draft', 'to_approve', 'approved'))], limit=1).id,
        }

    def _is_judicial(self, partner):
        account = self.env['cobranza.account'].sudo().search(
            [('partner_id', '=', partner.id), ('company_id', '=', self.company_id.id)], limit=1)
        return bool(partner.cobranza_lawsuit_date) or account.stage_code == 'judicial'

    def _evidence_by_debtor(self, partners):
        documents = self.env['cobranza.dictamen.document'].search([
            ('dictamen_id.partner_id', 'in', [partner.id for partner in partners]),
            ('dictamen_id.state', '!=', 'rejected'), ('company_id', '=', self.company_id.id)])
        evidence = defaultdict(set)
        for document in documents:
            evidence[document.dictamen_id.partner_id].add(document.doc_type)
        return evidence


class CobranzaDictamenCandidate(models.TransientModel):
    _name = 'cobranza.dictamen.candidate'
    _description = 'Uncollectable Candidate'
    _order = 'ready desc, month, amount_udis desc'

    wizard_id = fields.Many2one('cobranza.dictamen.candidate.wizard', required=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    partner_id = fields.Many2one('res.partner', string="Debtor", required=True)
    vat = fields.Char(related='partner_id.vat', string="RFC")
    basis = fields.Selection(BASES, string="Legal Basis", required=True)
    ready = fields.Boolean(string="Deductible Now",
                           help="Unchecked: under 30,000 UDIS, the year of default is reached in the month shown.")
    move_ids = fields.Many2many('account.move', 'cobranza_dictamen_candidate_move_rel', string="Open Invoices")
    eligible_move_ids = fields.Many2many('account.move', 'cobranza_dictamen_candidate_eligible_rel',
                                         string="Deductible Invoices")
    amount_total = fields.Monetary(string="Principal (MXN)")
    amount_udis = fields.Float(string="Principal (UDIS)", digits=(16, 2))
    month = fields.Date(string="Uncollectable From (Month)",
                        help="The month in which the practical impossibility of collection arises.")
    missing_evidence = fields.Char()
    missing_count = fields.Integer(aggregator=None)
    dictamen_id = fields.Many2one('cobranza.dictamen', string="Open Dictamen")

    @api.model
    def _check_creatable(self, candidate):
        if not candidate.ready:
            raise UserError(self.env._("%(debtor)s is not deductible yet: one year of default is reached in "
                                       "%(month)s.", debtor=candidate.partner_id.name,
                                       month=candidate.month and candidate.month.strftime('%m/%Y')))

    def action_create_dictamen(self):
        """A draft dictamen for each selected candidate, with its deductible invoices."""
        dictamenes = self.env['cobranza.dictamen']
        for candidate in self:
            if candidate.dictamen_id:
                dictamenes |= candidate.dictamen_id
                continue
            self._check_creatable(candidate)
            candidate.dictamen_id = self.env['cobranza.dictamen'].create({
                'company_id': candidate.company_id.id, 'partner_id': candidate.partner_id.id,
                'basis': candidate.basis, 'as_of': candidate.wizard_id.as_of,
                'move_ids': [Command.set(candidate.eligible_move_ids.ids)]})
            dictamenes |= candidate.dictamen_id
        action = self.env['ir.actions.act_window']._for_xml_id('cobranza_mx.cobranza_dictamen_action')
        if len(dictamenes) == 1:
            action.update({'res_id': dictamenes.id, 'view_mode': 'form', 'views': [(False, 'form')]})
        else:
            action['domain'] = [('id', 'in', dictamenes.ids)]
        return action
