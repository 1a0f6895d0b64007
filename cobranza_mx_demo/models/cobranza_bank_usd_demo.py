from datetime import timedelta

from odoo import Command, api, models

from ..tools.portfolio import USD_MXN

USD_CUSTOMERS = (
    # name, RFC
    ('Exportadora del Golfo S.A. de C.V.', 'EGO0505055E5'),
    ('Maquiladora Fronteriza S.A. de C.V.', 'MFR0606066F6'),
)
# Pesos per dollar on the day of the USD bank lines (on the invoices' day: the generator's USD_MXN).
LINE_RATE = 18.9


class CobranzaBankUsdDemo(models.AbstractModel):
    """Demo of the bank matching in dollars: a USD bank journal, and lines to match in the invoice's currency."""
    _name = 'cobranza.bank.usd.demo'
    _description = 'Collection Demo: USD Bank Lines'

    # One straight script of the demo's records, in the order a person would make them.
    @api.model
    def _generate(self, company, today):  # pylint: disable=too-many-locals
        """A USD bank journal of ``company`` with lines paying USD and MXN invoices (one net of withholdings in
        USD, one the bank converted from USD into the MXN account, one matching nothing); the lines matched,
        the exact USD one reconciled (with its exchange difference). Once: nothing when its customers exist.
        Returns a summary."""
        Partner = self.env['res.partner'].with_company(company)
        if Partner.search_count([('vat', '=', USD_CUSTOMERS[0][1])], limit=1):
            return {}
        generator = self.env['cobranza.portfolio.generator']
        invoice_date, line_date = today - timedelta(days=30), today - timedelta(days=2)
        usd = generator._ensure_usd(company, invoice_date)
        # A rate on the invoices' day and another on the lines' day (unless there are): the exchange difference.
        Rate = self.env['res.currency.rate']
        for day, pesos in ((invoice_date, USD_MXN), (line_date, LINE_RATE)):
            if not Rate.search_count([('currency_id', '=', usd.id), ('company_id', '=', company.root_id.id),
                                      ('name', '=', day)], limit=1):
                Rate.create({'currency_id': usd.id, 'company_id': company.root_id.id, 'name': day,
                             'rate': 1 / pesos})
        Journal = self.env['account.journal'].with_company(company)
        journal = Journal.search([('type', '=', 'bank'), ('currency_id', '=', usd.id),
                                  ('company_id', '=', company.id)], limit=1) or Journal.create({
            'name': 'BBVA Dólares', 'code': 'BUSD', 'type': 'bank', 'currency_id': usd.id,
            'company_id': company.id})
        mxn_journal = Journal.search([('type', '=', 'bank'), ('company_id', '=', company.id),
                                      ('currency_id', 'in', (False, company.currency_id.id))], limit=1)
        exporter, maquila = Partner.create([{
            'name': name, 'vat': vat, 'is_company': True, 'country_id': company.country_id.id, 'lang': 'es_MX',
            'email': f'tesoreria@{vat.lower()}.example.com.mx'} for name, vat in USD_CUSTOMERS])
        vat_16 = generator._sale_vat_16(company)

        def invoice(partner, amount, label, currency):
            move = self.env['account.move'].with_company(company).create({
                'move_type': 'out_invoice', 'partner_id': partner.id, 'invoice_date': invoice_date,
                'currency_id': currency.id, 'invoice_line_ids': [Command.create({
                    'name': label, 'quantity': 1, 'price_unit': amount, 'tax_ids': [Command.set(vat_16.ids)]})],
            })
            move.action_post()
            return move

        exact = invoice(exporter, 2000.0, 'Diseño de empaque para exportación', usd)  # 2,320 USD
        net = invoice(maquila, 1500.0, 'Servicios de ingeniería de procesos', usd)  # 1,740 USD
        in_mxn = invoice(maquila, 20000.0, 'Mantenimiento de líneas de producción', company.currency_id)
        converted = invoice(exporter, 800.0, 'Traducción técnica de manuales', usd)  # 928 USD
        # ISR 10 % (150.00 USD) and IVA 10.6667 % (160.00 USD) withheld by the maquiladora, in USD.
        net_amount = net.amount_residual - round(1500.0 * 0.10, 2) - round(1500.0 * 0.106667, 2)
        Line = self.env['account.bank.statement.line'].with_company(company)
        lines = Line.create([
            {'journal_id': journal.id, 'date': line_date, 'amount': exact.amount_residual,
             'payment_ref': f'WIRE TRANSFER EXPORTADORA DEL GOLFO INV {exact.name}'},
            {'journal_id': journal.id, 'date': line_date, 'amount': net_amount,
             'payment_ref': f'WIRE {maquila.vat} MAQUILADORA FRONTERIZA'},
            {'journal_id': journal.id, 'date': line_date, 'payment_ref': f'WIRE PAGO FACTURA {in_mxn.name}',
             'amount': company.currency_id._convert(in_mxn.amount_residual, usd, company, line_date)},
            {'journal_id': journal.id, 'date': line_date, 'amount': 333.33, 'payment_ref': 'WIRE FEE REFUND'},
        ])
        if mxn_journal:
            # The bank converted 928 USD into the MXN account at its own rate (18.75).
            lines |= Line.create({
                'journal_id': mxn_journal.id, 'date': line_date, 'amount': round(converted.amount_residual * 18.75, 2),
                'foreign_currency_id': usd.id, 'amount_currency': converted.amount_residual,
                'payment_ref': f'SPEI ORDEN EN USD {exporter.vat} FACT {converted.name}'})
        Match = self.env['cobranza.bank.match']
        matches = Match._match_company(company, lines=lines, auto=False)
        matches.filtered(lambda match: match.move_id == exact)._reconcile()
        return {'usd_journal': journal.name, 'usd_lines': len(lines), 'proposals': len(matches),
                'reconciled': exact.name, 'exact_state': exact.payment_state}
