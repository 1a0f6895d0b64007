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
    withholdings' write-off lines), which is then reconciled with the invoice. A journal set to OCA's *keep*
    mode keeps that entry as it is: a new entry of the journal clears its suspense line, as OCA's screen does.

    Lines of a bank journal in another currency (USD), or with a foreign amount, are matched in the currency of
    the invoice when they have an amount in it (``match_currency_id``: the amounts and withholdings of the
    proposal are in it), otherwise in the company currency at the rate of the line's date.
    """
    _name = 'cobranza.bank.match'
    _description = 'Bank Statement Line Match'
    _order = 'confidence desc, id'
    _check_company_auto = True

    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    match_currency_id = fields.Many2one('res.currency', readonly=True,
                                        default=lambda self: self.env.company.currency_id,
                                        help="The currency of the amounts and withholdings of the proposal.")
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
    amount = fields.Monetary(readonly=True, currency_field='match_currency_id')
    residual = fields.Monetary(string="Invoice Residual", readonly=True, currency_field='match_currency_id',
                               help="Of all the invoices paid.")
    difference = fields.Monetary(readonly=True, currency_field='match_currency_id')
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
        """The customer receipts to match, as :class:`bank_matching.StatementLine`: the amount in the company
        currency (of a journal in another currency: its bank line's balance, Odoo's conversion at the rate of
        the line's date), and the amounts in the journal's and the foreign currency when they are others."""
        self.env['account.bank.statement.line'].flush_model()
        self.env['account.move'].flush_model()
        self.env['account.move.line'].flush_model(['move_id', 'account_id', 'balance'])
        self.env.cr.execute(SQL("""
            SELECT st.id, COALESCE(st.payment_ref, ''), st.amount, COALESCE(p.commercial_partner_id, 0), m.date,
                   NULLIF(COALESCE(j.currency_id, %(currency)s), %(currency)s),
                   st.foreign_currency_id, st.amount_currency,
                   CASE WHEN COALESCE(j.currency_id, %(currency)s) = %(currency)s THEN st.amount
                        WHEN st.foreign_currency_id = %(currency)s THEN st.amount_currency
                        ELSE (SELECT SUM(l.balance) FROM account_move_line l
                               WHERE l.move_id = st.move_id AND l.account_id = j.default_account_id) END
              FROM account_bank_statement_line st
              JOIN account_move m ON m.id = st.move_id
              JOIN account_journal j ON j.id = st.journal_id
         LEFT JOIN res_partner p ON p.id = st.partner_id
             WHERE m.company_id = %(company)s AND m.state = 'posted' AND NOT st.is_reconciled AND st.amount > 0
               AND (%(all)s OR st.id = ANY(%(ids)s))
               AND NOT EXISTS(SELECT 1 FROM cobranza_bank_match b
                               WHERE b.statement_line_id = st.id AND b.state = 'rejected')
        """, company=company.id, currency=company.currency_id.id, all=lines is None,
                                ids=list(lines.ids) if lines is not None else []))
        result = []
        for (line_id, label, amount, partner_id, date, journal_currency, foreign_currency, amount_currency,
             company_amount) in self.env.cr.fetchall():
            others, tolerance = {}, None
            if journal_currency:
                others[journal_currency] = bank_matching.to_decimal(amount)
                if foreign_currency != company.currency_id.id and company_amount and amount:
                    # Converted by Odoo: a cent of the journal's currency and its rounding, in the company's.
                    rate = abs(Decimal(str(company_amount)) / Decimal(str(amount)))
                    tolerance = bank_matching.CENT + bank_matching.to_decimal(rate * Decimal('0.015'))
            if foreign_currency and foreign_currency != company.currency_id.id:
                others[foreign_currency] = bank_matching.to_decimal(amount_currency)
            result.append(bank_matching.StatementLine(line_id, label, bank_matching.to_decimal(company_amount or 0),
                                                      partner_id, date, others, tolerance))
        return result

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
            matches.filtered(lambda m: m.confidence >= threshold and not m._keep_mode_blocked())._reconcile()
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
            'match_currency_id': match.currency or company.currency_id.id,
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

    @api.model
    def _keep_mode(self, journal):
        """Whether ``journal`` reconciles in OCA's ``account_reconcile_oca`` *keep* mode (when it is installed)."""
        return 'reconcile_mode' in journal._fields and journal.reconcile_mode == 'keep'

    def _keep_mode_blocked(self):
        """OCA's keep mode reconciles the suspense line: its account must allow it (as on OCA's screen)."""
        self.ensure_one()
        journal = self.statement_line_id.journal_id
        return self._keep_mode(journal) and not journal.suspense_account_id.reconcile

    @api.model
    def _to_company(self, st_line, currency, amount):
        """``amount`` in ``currency`` (the line's journal or foreign currency, or the company's) in the company
        currency, at the line's own rate."""
        if currency == st_line.company_id.currency_id:
            return amount
        return st_line._prepare_counterpart_amounts_using_st_line_rate(currency, amount, amount)['balance']

    def _reconcile(self):
        Withholding = self.env['cobranza.withholding'].sudo()
        for match in self:
            st_line = match.statement_line_id
            invoices = match._invoices()
            if st_line.is_reconciled or any(inv.payment_state not in ('not_paid', 'partial') for inv in invoices):
                match.state = 'rejected'
                continue
            if match._keep_mode_blocked():
                journal = st_line.journal_id
                raise UserError(self.env._(
                    "The journal %(journal)s keeps its bank lines in its suspense account (keep mode of the "
                    "reconciliation): its suspense account %(account)s must allow reconciliation.",
                    journal=journal.display_name, account=journal.suspense_account_id.display_name))
            currency = match.match_currency_id or match.company_id.currency_id
            writeoffs = [(RATES_BY_CODE[data['code']], float(data['amount']),
                          invoices.browse(data.get('move_id') or invoices[:1].id))
                         for data in match.withholding_data or []]
            # The withholdings expected for the certificates, in the company currency (as the CFDI de
            # Retenciones states them), at the line's rate when they were computed in another currency.
            company_amounts = [(self._to_company(st_line, currency, float(data['base'])),
                                self._to_company(st_line, currency, amount))
                               for (_rate, amount, _invoice), data in zip(writeoffs, match.withholding_data or [],
                                                                          strict=True)]
            self._reconcile_statement_line(st_line, invoices, writeoffs, currency)
            if writeoffs:
                rows = Withholding.create([{
                    'company_id': match.company_id.id, 'partner_id': invoice.commercial_partner_id.id,
                    'move_id': invoice.id, 'date': st_line.date, 'source': 'payment', 'code': rate.code,
                    'base': base, 'amount': amount,
                } for (rate, _amount, invoice), (base, amount) in zip(writeoffs, company_amounts, strict=True)])
                self.env['cobranza.withholding.certificate']._expect_for(rows)
            match.state = 'reconciled'

    @api.model
    def _amount_vals(self, st_line, currency, amount):
        """The amounts of a journal item of ``st_line``'s entry worth ``amount`` in ``currency``: in the line's
        transaction currency (its foreign currency, else its journal's) and the company's, at the line's own
        rate, as Odoo converts a counterpart of a statement line."""
        _amount, transaction_currency, *_others = st_line._get_accounting_amounts_and_currencies()
        amounts = st_line._prepare_counterpart_amounts_using_st_line_rate(currency, amount, amount)
        if transaction_currency == st_line.company_id.currency_id:
            # In the company currency (a USD line whose foreign amount is in MXN): the balance is that amount.
            amounts['balance'] = amounts['amount_currency']
        return {'currency_id': transaction_currency.id, 'amount_currency': amounts['amount_currency'],
                'balance': amounts['balance']}

    @api.model
    def _writeoff_line_vals(self, st_line, writeoffs, currency):
        """The journal items of the withholdings ``(rate, amount in currency, invoice)`` written off."""
        company = st_line.company_id
        Tax = self.env['account.tax']
        labels = Tax._cobranza_rate_labels()
        return [{
            'name': self.env._("Withheld %(tax)s - %(invoice)s", tax=labels[rate.code], invoice=invoice.name),
            'account_id': Tax._cobranza_withholding_account(company, rate.tax).id,
            'partner_id': invoice.commercial_partner_id.id, **self._amount_vals(st_line, currency, amount),
        } for rate, amount, invoice in writeoffs]

    @api.model
    def _counterpart_vals(self, st_line, invoice, receivable, credit, in_full, currency=None):
        """The journal item crediting ``credit`` (in ``currency``, default the company's) to ``invoice``'s
        ``receivable``: in the line's transaction currency; in the invoice's currency when it is another one
        than the company's (its whole residual when paid ``in_full``), so that Odoo books the exchange
        difference when it reconciles."""
        company = st_line.company_id
        currency = currency or company.currency_id
        vals = {'name': invoice.name, 'account_id': receivable[:1].account_id.id,
                'partner_id': invoice.commercial_partner_id.id, **self._amount_vals(st_line, currency, -credit)}
        if invoice.currency_id != company.currency_id and invoice.currency_id.id != vals['currency_id']:
            vals.update(currency_id=invoice.currency_id.id, amount_currency=-(
                invoice.amount_residual if in_full
                else credit if currency == invoice.currency_id
                else currency._convert(credit, invoice.currency_id, company, st_line.date)))
        return vals

    @api.model
    def _line_amount(self, st_line, suspense, currency):
        """What ``st_line`` still has to reconcile (its suspense lines) in ``currency``."""
        _amount, transaction_currency, *_others = st_line._get_accounting_amounts_and_currencies()
        if currency == transaction_currency:
            return -sum(suspense.mapped('amount_currency'))
        if currency == st_line.company_id.currency_id:
            return -sum(suspense.mapped('balance'))
        return st_line.amount  # the journal's currency, when the line has a foreign amount in another one

    @api.model
    def _reconcile_statement_line(self, st_line, invoices, writeoffs, currency=None):
        """Replace ``st_line``'s suspense line by the receivables of ``invoices`` (plus the withholdings written
        off, ``(rate, amount, invoice)``) and reconcile them with the invoices: the statement line is then
        reconciled. Each invoice but the last is credited its residual; the last what remains of the line (all
        of it when the line pays one invoice, partially or not). The amounts are in ``currency`` (default the
        company's): the invoices' currency, when the line has an amount in it (a USD journal's, or its foreign
        amount), else the company's. The items are in the line's transaction currency at its own rate, as
        Odoo's; an invoice in another currency is credited in its currency too (its whole residual when the line
        pays it in full, else the credit at the line's date), so that Odoo books the exchange difference when
        it reconciles. The last item takes the rounding of the conversions, so that the entry balances.

        In OCA's *keep* mode the line's entry is kept: a new entry of the journal, at the line's date, reverses
        its suspense line and holds these items, as OCA's reconciliation screen does."""
        suspense, new_lines, receivables = self._statement_line_items(st_line, invoices, writeoffs, currency)
        keep = self._keep_mode(st_line.journal_id)
        if keep:
            created = self._keep_mode_entry(st_line, suspense, new_lines)
        else:
            move = st_line.move_id.with_context(skip_account_move_synchronization=True, skip_readonly_check=True,
                                                force_delete=True)
            before = move.line_ids
            move.write({'line_ids': [Command.unlink(line.id) for line in suspense]
                        + [Command.create(vals) for vals in new_lines]})
            created = (move.line_ids - before).sorted('id')
        if not st_line.partner_id:
            st_line.with_context(skip_account_move_synchronization=True).partner_id = invoices[:1].commercial_partner_id
        # The counterparts, created in the order of the invoices after the write-offs.
        counterparts = created[len(writeoffs):]
        for counterpart, receivable in zip(counterparts, receivables, strict=True):
            (counterpart + receivable).reconcile()
        if 'reconcile_mode' in st_line._fields:
            # OCA's account_reconcile_oca: its 'edit' mode (the line's own entry changed) or its 'keep' mode,
            # which its screen shows and undoes as its own.
            st_line.reconcile_mode = 'keep' if keep else 'edit'

    @api.model
    def _statement_line_items(self, st_line, invoices, writeoffs, currency):
        """``(suspense lines, values of the new items, receivables of the invoices)`` of the reconciliation of
        :meth:`_reconcile_statement_line`."""
        company = st_line.company_id
        currency = currency or company.currency_id
        _amount, transaction_currency, *_others = st_line._get_accounting_amounts_and_currencies()
        suspense = st_line._seek_for_lines()[1]
        new_lines = self._writeoff_line_vals(st_line, writeoffs, currency)
        remaining = self._line_amount(st_line, suspense, currency) + sum(amount for _r, amount, _i in writeoffs)
        receivables = []
        for position, invoice in enumerate(invoices):
            receivables.append(invoice.line_ids.filtered(
                lambda aml: aml.account_type == 'asset_receivable' and not aml.reconciled))
            residual = invoice.currency_id._convert(invoice.amount_residual, currency, company, st_line.date)
            credit = remaining if position == len(invoices) - 1 else min(remaining, residual)
            remaining = currency.round(remaining - credit)
            new_lines.append(self._counterpart_vals(st_line, invoice, receivables[-1], credit,
                                                    credit >= residual - 0.01 * len(invoices), currency))
        last = new_lines[-1]
        last['balance'] = company.currency_id.round(
            sum(suspense.mapped('balance')) - sum(vals['balance'] for vals in new_lines[:-1]))
        if all(vals['currency_id'] == transaction_currency.id for vals in new_lines):
            last['amount_currency'] = transaction_currency.round(
                sum(suspense.mapped('amount_currency')) - sum(vals['amount_currency'] for vals in new_lines[:-1]))
        return suspense, new_lines, receivables

    @api.model
    def _keep_mode_entry(self, st_line, suspense, new_lines):
        """OCA's *keep* mode (``_reconcile_bank_line_keep`` of ``account_reconcile_oca``): a new entry of the
        line's journal reverses its suspense lines and holds ``new_lines``; it is posted and each suspense
        line reconciled with its reversal. Returns the items of ``new_lines``, in their order."""
        move = self.env['account.move'].with_context(skip_invoice_sync=True).create({
            'journal_id': st_line.journal_id.id, 'date': st_line.date, 'ref': st_line.payment_ref,
            'line_ids': [Command.create({
                'name': line.name, 'account_id': line.account_id.id,
                'partner_id': (line.partner_id or st_line.partner_id).id, 'currency_id': line.currency_id.id,
                'amount_currency': -line.amount_currency, 'balance': -line.balance,
            }) for line in suspense] + [Command.create(vals) for vals in new_lines],
        })
        move._post()
        items = move.line_ids.sorted('id')
        for line, reversal in zip(suspense, items[:len(suspense)], strict=True):
            (line + reversal).reconcile()
        return items[len(suspense):]
