from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import bank_matching
from ..tools.withholding import RATES_BY_CODE, settle


class CobranzaBankMatch(models.Model):
    """A proposal to reconcile an unreconciled bank statement line with an open customer invoice.

    :meth:`_match_company` proposes them (see :mod:`..tools.bank_matching`); a supervisor confirms them
    in bulk, and those at or above the company's confidence threshold are reconciled at once. The
    reconciliation goes through the statement line's own journal entry, as Odoo (and OCA's
    ``account_reconcile_oca``) do: its suspense line is replaced by the receivable counterpart (and the
    withholdings' write-off lines), which is then reconciled with the invoice.
    """
    _name = 'cobranza.bank.match'
    _description = 'Bank Statement Line Match'
    _order = 'confidence desc, id'
    _check_company_auto = True

    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    statement_line_id = fields.Many2one('account.bank.statement.line', required=True, readonly=True,
                                        ondelete='cascade', index=True, check_company=True)
    move_id = fields.Many2one('account.move', string="Invoice", required=True, readonly=True, ondelete='cascade',
                              check_company=True, help="The (first) invoice the line pays.")
    move_ids = fields.Many2many('account.move', 'cobranza_bank_match_move_rel', 'match_id', 'move_id',
                                string="Invoices", readonly=True,
                                help="Every invoice the line pays, when it pays several of one debtor.")
    invoice_count = fields.Integer(string="Invoices Paid", readonly=True, default=1)
    partner_id = fields.Many2one(related='move_id.commercial_partner_id', string="Customer")
    date = fields.Date(related='statement_line_id.date')
    label = fields.Char(related='statement_line_id.payment_ref')
    amount = fields.Monetary(readonly=True)
    residual = fields.Monetary(string="Invoice Residual", readonly=True, help="Of all the invoices paid.")
    difference = fields.Monetary(readonly=True)
    confidence = fields.Integer(readonly=True, aggregator='avg')
    reasons = fields.Char(string="Matched By", readonly=True)
    withholding_label = fields.Char(string="Withholdings", readonly=True)
    withholding_data = fields.Json(readonly=True)
    state = fields.Selection([('proposed', 'Proposed'), ('reconciled', 'Reconciled'), ('rejected', 'Rejected')],
                             default='proposed', required=True, readonly=True, index=True)

    # Matching -----------------------------------------------------------------------------------------------

    @api.model
    def _open_invoices(self, company):
        """The open customer invoices of ``company``, as :class:`bank_matching.Invoice` (residual and base in the
        invoice's currency; ``currency`` its id when it is not the company's)."""
        self.env['account.move'].flush_model()
        self.env['account.move.line'].flush_model()
        self.env.cr.execute(SQL("""
            SELECT m.id, m.name, COALESCE(m.ref, ''), m.commercial_partner_id, COALESCE(p.vat, ''),
                   m.amount_residual, m.amount_untaxed, m.amount_total,
                   EXISTS(SELECT 1 FROM account_move_line l JOIN account_tax t ON t.id = l.tax_line_id
                           WHERE l.move_id = m.id AND t.cobranza_withholding_code IS NOT NULL),
                   NULLIF(m.currency_id, %(currency)s)
              FROM account_move m
              JOIN res_partner p ON p.id = m.commercial_partner_id
             WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice' AND m.state = 'posted'
               AND m.payment_state IN ('not_paid', 'partial') AND m.amount_residual > 0
        """, company=company.id, currency=company.currency_id.id))
        invoices = []
        for (move_id, name, ref, partner_id, vat, residual, untaxed, total, carries, currency_id) \
                in self.env.cr.fetchall():
            residual = Decimal(str(residual))
            base = Decimal(str(untaxed)) * residual / Decimal(str(total)) if total else Decimal(0)
            invoices.append(bank_matching.Invoice(move_id, name or '', partner_id, residual,
                                                  bank_matching.to_decimal(base), ref, vat.upper(), carries,
                                                  currency_id or ''))
        return invoices

    @api.model
    def _rates(self, company, invoices, st_lines):
        """``{date: {currency id: rate}}``: the company currency per unit of the invoices' foreign currencies, on
        the dates of the lines (Odoo's rates, as the payment wizard converts)."""
        currencies = self.env['res.currency'].browse(sorted({inv.currency for inv in invoices if inv.currency}))
        Currency = self.env['res.currency']
        return {date: {currency.id: Decimal(str(Currency._get_conversion_rate(currency, company.currency_id,
                                                                             company, date)))
                       for currency in currencies}
                for date in {line.date for line in st_lines}} if currencies else {}

    @api.model
    def _unreconciled_lines(self, company, lines=None):
        self.env['account.bank.statement.line'].flush_model()
        self.env['account.move'].flush_model()
        self.env.cr.execute(SQL("""
            SELECT st.id, COALESCE(st.payment_ref, ''), st.amount, COALESCE(p.commercial_partner_id, 0), m.date
              FROM account_bank_statement_line st
              JOIN account_move m ON m.id = st.move_id
              JOIN account_journal j ON j.id = st.journal_id
         LEFT JOIN res_partner p ON p.id = st.partner_id
             WHERE m.company_id = %(company)s AND m.state = 'posted' AND NOT st.is_reconciled AND st.amount > 0
               AND COALESCE(j.currency_id, %(currency)s) = %(currency)s AND st.foreign_currency_id IS NULL
               AND (%(all)s OR st.id = ANY(%(ids)s))
               AND NOT EXISTS(SELECT 1 FROM cobranza_bank_match b
                               WHERE b.statement_line_id = st.id AND b.state = 'rejected')
        """, company=company.id, currency=company.currency_id.id, all=lines is None,
                                ids=list(lines.ids) if lines is not None else []))
        return [bank_matching.StatementLine(line_id, label, bank_matching.to_decimal(amount), partner_id, date)
                for line_id, label, amount, partner_id, date in self.env.cr.fetchall()]

    @api.model
    def _match_company(self, company, lines=None, auto=True):
        """Propose matches for the unreconciled statement lines (all, or ``lines``) of ``company``.

        Earlier proposals of these lines are replaced. With ``auto`` the proposals at or above the
        company's confidence threshold are reconciled. Returns the proposals created.
        """
        st_lines = self._unreconciled_lines(company, lines)
        self.search([('company_id', '=', company.id), ('state', '=', 'proposed'),
                     ('statement_line_id', 'in', [line.id for line in st_lines])]).unlink()
        invoices = self._open_invoices(company)
        matcher = bank_matching.Matcher(invoices, rates=self._rates(company, invoices, st_lines))
        found = matcher.match_all(st_lines)
        matches = self.create([self._match_vals(company, match) for match in found])
        threshold = company.cobranza_bank_auto_confidence
        if auto and threshold > 0:
            matches.filtered(lambda m: m.confidence >= threshold)._reconcile()
        return matches

    @api.model
    def _withholding_label(self, proposal):
        if not proposal:
            return False
        labels = self.env['account.tax']._cobranza_rate_labels()
        return ' + '.join(f"{labels[code]}: {amount:,.2f}" for code, amount in proposal.amounts_by_code().items())

    @api.model
    def _reason_labels(self):
        return {
            'reference': self.env._("invoice number"),
            'partner': self.env._("customer"),
            'exact': self.env._("exact amount"),
            'net': self.env._("amount net of withholdings"),
            'combined': self.env._("sum of several invoices"),
        }

    @api.model
    def _match_vals(self, company, match):
        """The values of the proposal of the :class:`bank_matching.Match` ``match``."""
        lines = settle(match.proposal) if match.proposal else ()
        residual = match.residual
        return {
            'company_id': company.id,
            'statement_line_id': match.line_id,
            'move_id': match.invoice_id,
            # Only when it pays several (a single one is move_id): proposals are created by the thousand.
            'move_ids': [Command.set(list(match.invoice_ids))] if len(match.invoice_ids) > 1 else False,
            'invoice_count': len(match.invoice_ids),
            'amount': float(residual - match.difference),
            'residual': float(residual),
            'difference': float(match.difference),
            'confidence': match.confidence,
            'reasons': ', '.join(self._reason_labels()[reason] for reason in match.reasons),
            'withholding_label': self._withholding_label(match.proposal),
            'withholding_data': [{'code': line.code, 'base': str(line.base), 'amount': str(line.amount),
                                  'move_id': match.invoice_ids[line.index]} for line in lines] or False,
        }

    @api.model
    def action_match_bank_lines(self):
        """Match the unreconciled bank statement lines of the current company and show the proposals."""
        self._check_supervisor()
        self.sudo()._match_company(self.env.company)
        action = self.env['ir.actions.act_window']._for_xml_id('cobranza_mx.cobranza_bank_match_action')
        return action

    # Reconciliation ------------------------------------------------------------------------------------------

    def _check_supervisor(self):
        if not self.env.user.has_group('cobranza_mx.group_cobranza_supervisor'):
            raise UserError(self.env._("Only collection supervisors can reconcile bank lines."))

    def action_reconcile(self):
        """Reconcile the selected proposals (the user's bulk confirmation)."""
        self._check_supervisor()
        todo = self.filtered(lambda m: m.state == 'proposed')
        if not todo:
            raise UserError(self.env._("Select proposed matches."))
        # The reconciliation, as superuser, must not reuse what the user's environment read through the
        # collection record rules (a partial view of the invoices' lines).
        self.env.flush_all()
        self.env.invalidate_all()
        todo.sudo()._reconcile()
        return True

    def action_reject(self):
        self._check_supervisor()
        self.filtered(lambda m: m.state == 'proposed').sudo().state = 'rejected'

    def _invoices(self):
        """The invoices this proposal pays, in the order of the proposal."""
        self.ensure_one()
        return self.move_ids.sorted('id') or self.move_id

    def _reconcile(self):
        Withholding = self.env['cobranza.withholding'].sudo()
        for match in self:
            st_line = match.statement_line_id
            invoices = match._invoices()
            if st_line.is_reconciled or any(inv.payment_state not in ('not_paid', 'partial') for inv in invoices):
                match.state = 'rejected'
                continue
            writeoffs = [(RATES_BY_CODE[data['code']], float(data['amount']),
                          invoices.browse(data.get('move_id') or invoices[:1].id))
                         for data in match.withholding_data or []]
            self._reconcile_statement_line(st_line, invoices, writeoffs)
            if writeoffs:
                rows = Withholding.create([{
                    'company_id': match.company_id.id, 'partner_id': invoice.commercial_partner_id.id,
                    'move_id': invoice.id, 'date': st_line.date, 'source': 'payment', 'code': rate.code,
                    'base': float(data['base']), 'amount': amount,
                } for (rate, amount, invoice), data in zip(writeoffs, match.withholding_data, strict=True)])
                self.env['cobranza.withholding.certificate']._expect_for(rows)
            match.state = 'reconciled'

    @api.model
    def _writeoff_line_vals(self, company, writeoffs):
        """The journal items of the withholdings ``(rate, amount, invoice)`` written off."""
        Tax = self.env['account.tax']
        labels = Tax._cobranza_rate_labels()
        return [{
            'name': self.env._("Withheld %(tax)s - %(invoice)s", tax=labels[rate.code], invoice=invoice.name),
            'account_id': Tax._cobranza_withholding_account(company, rate.tax).id,
            'partner_id': invoice.commercial_partner_id.id, 'balance': amount,
        } for rate, amount, invoice in writeoffs]

    @api.model
    def _counterpart_vals(self, st_line, invoice, receivable, credit, in_full):
        """The journal item crediting ``credit`` (company currency) to ``invoice``'s ``receivable``; in the
        invoice's currency when it is another (its whole residual when paid ``in_full``)."""
        company = st_line.company_id
        vals = {'name': invoice.name, 'account_id': receivable[:1].account_id.id,
                'partner_id': invoice.commercial_partner_id.id, 'balance': -credit}
        if invoice.currency_id != company.currency_id:
            vals.update(currency_id=invoice.currency_id.id, amount_currency=-(
                invoice.amount_residual if in_full
                else company.currency_id._convert(credit, invoice.currency_id, company, st_line.date)))
        return vals

    @api.model
    def _reconcile_statement_line(self, st_line, invoices, writeoffs):
        """Replace ``st_line``'s suspense line by the receivables of ``invoices`` (plus the withholdings written
        off, ``(rate, amount, invoice)``) and reconcile them with the invoices: the statement line is then
        reconciled. Each invoice but the last is credited its residual; the last what remains of the line (all
        of it when the line pays one invoice, partially or not). An invoice in another currency is credited in
        its currency too (its whole residual when the line pays it in full, else the credit at the line's date),
        so that Odoo books the exchange difference when it reconciles."""
        suspense = st_line._seek_for_lines()[1]
        new_lines = self._writeoff_line_vals(st_line.company_id, writeoffs)
        remaining = st_line.amount + sum(amount for _rate, amount, _invoice in writeoffs)
        receivables = []
        for position, invoice in enumerate(invoices):
            receivables.append(invoice.line_ids.filtered(
                lambda aml: aml.account_type == 'asset_receivable' and not aml.reconciled))
            residual = invoice.currency_id._convert(invoice.amount_residual, st_line.company_id.currency_id,
                                                    st_line.company_id, st_line.date)
            credit = remaining if position == len(invoices) - 1 else min(remaining, residual)
            remaining = st_line.company_id.currency_id.round(remaining - credit)
            new_lines.append(self._counterpart_vals(st_line, invoice, receivables[-1], credit,
                                                    credit >= residual - 0.01 * len(invoices)))
        move = st_line.move_id.with_context(skip_account_move_synchronization=True, skip_readonly_check=True,
                                            force_delete=True)
        before = move.line_ids
        move.write({'line_ids': [Command.unlink(line.id) for line in suspense]
                    + [Command.create(vals) for vals in new_lines]})
        if not st_line.partner_id:
            st_line.with_context(skip_account_move_synchronization=True).partner_id = invoices[:1].commercial_partner_id
        # The counterparts, created in the order of the invoices after the write-offs.
        counterparts = (move.line_ids - before).sorted('id')[len(writeoffs):]
        for counterpart, receivable in zip(counterparts, receivables, strict=True):
            (counterpart + receivable).reconcile()
        if 'reconcile_mode' in st_line._fields:
            # OCA's account_reconcile_oca: this is its 'edit' mode (the line's own entry changed), which its
            # screen shows and undoes as its own.
            st_line.reconcile_mode = 'edit'
