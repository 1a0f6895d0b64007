import base64
from datetime import timedelta

from odoo import Command, api, models

from odoo.addons.cobranza_mx.tools import cfdi_retenciones

DEMO_CUSTOMERS = (
    # name, RFC, what they withhold
    ('Consultores Fiscales del Norte S.A. de C.V.', 'CFN0101019A1', 'services'),
    ('Grupo Constructor Anáhuac S.A. de C.V.', 'GCA0202022B2', 'resico'),
    ('Logística Pacífico S.A. de C.V.', 'LPA0303033C3', 'freight'),
    ('Hospital San Rafael S.C.', 'HSR0404044D4', 'services'),
)


class CobranzaWithholdingDemo(models.AbstractModel):
    """Demo of the payments with Mexican withholdings: invoices, short payments, certificates, a bank statement."""
    _name = 'cobranza.withholding.demo'
    _description = 'Collection Demo: Payments and Withholdings'

    # One straight script of the demo's records, in the order a person would make them.
    @api.model
    def _generate(self, company, today):  # pylint: disable=too-many-locals
        """Create the withholding demo in ``company`` (once: nothing when its customers exist). Returns a summary."""
        Partner = self.env['res.partner'].with_company(company)
        if Partner.search_count([('vat', '=', DEMO_CUSTOMERS[0][1])], limit=1):
            return {}
        taxes = self.env['account.tax']._cobranza_ensure_sale_withholdings(company)[company.id]
        iva = company.account_sale_tax_id
        journal = self.env['account.journal'].search([('type', '=', 'bank'), ('company_id', '=', company.id)],
                                                     limit=1)
        customers = Partner.create([{'name': name, 'vat': vat, 'is_company': True, 'country_id': company.country_id.id,
                                     'email': f'cxp@{vat.lower()}.example.com.mx', 'lang': 'es_MX'}
                                    for name, vat, _kind in DEMO_CUSTOMERS])
        invoice_date = today - timedelta(days=45)
        pay_date = today - timedelta(days=15)

        def invoice(partner, amount, label, extra_taxes=None):
            move = self.env['account.move'].with_company(company).create({
                'move_type': 'out_invoice', 'partner_id': partner.id, 'invoice_date': invoice_date,
                'invoice_line_ids': [Command.create({'name': label, 'quantity': 1, 'price_unit': amount,
                                                     'tax_ids': [Command.set((iva | (extra_taxes or iva)).ids)]})],
            })
            move.action_post()
            return move

        # Invoices that carry their withholdings (sale-side withholding taxes).
        carried = invoice(customers[3], 20000.0, 'Honorarios médicos', taxes['isr_10'] | taxes['iva_2_3'])
        # Services, RESICO and freight invoices, paid short by the customers' withholdings.
        services = invoice(customers[0], 35000.0, 'Asesoría fiscal mensual')
        resico = invoice(customers[1], 48000.0, 'Renta de maquinaria')
        freight = invoice(customers[2], 27500.0, 'Flete Monterrey - Guadalajara')
        open_services = invoice(customers[0], 12000.0, 'Auditoría de estados financieros')
        open_freight = invoice(customers[2], 18000.0, 'Flete Manzanillo - Querétaro')
        unpaid = invoice(customers[3], 9500.0, 'Consulta de especialidad')

        Wizard = self.env['cobranza.payment.wizard'].with_company(company)
        paid = []
        for move, withheld in ((services, 0.10 + 0.106667), (resico, 0.0125), (freight, 0.04), (carried, 0.0)):
            amount = move.amount_residual - round(move.amount_untaxed * withheld, 2)
            wizard = Wizard.create({'move_ids': [Command.set(move.ids)], 'company_id': company.id,
                                    'journal_id': journal.id, 'date': pay_date, 'amount': amount})
            wizard.action_propose()
            wizard.action_confirm()
            paid.append(move)

        # Certificates: the services customer's matches, the RESICO one certifies less, the freight one is
        # still missing, and the hospital's own certificate (withholdings carried by the invoice) is received
        # for another month than expected.
        Certificate = self.env['cobranza.withholding.certificate'].with_company(company)
        expected = {cert.partner_id: cert for cert in Certificate.search([('partner_id', 'in', customers.ids)])}

        def xml(partner, uuid, month, taxes_list):
            return base64.b64encode(cfdi_retenciones.build(
                uuid=uuid, issuer_rfc=partner.vat, receiver_rfc=company.vat, year=pay_date.year, month_from=month,
                month_to=month, total_operation=sum(base for _t, base, _a in taxes_list) or 1, taxes=taxes_list,
                issuer_name=partner.name, receiver_name=company.name))

        cert_services = expected[customers[0]]
        cert_services.write({'xml_file': xml(customers[0], '6A1B2C3D-0001-4000-8000-000000000001', pay_date.month, [
            ('isr', 35000.0, cert_services.expected_isr), ('iva', 5600.0, cert_services.expected_iva)]),
            'xml_filename': 'retenciones_cfn.xml'})
        cert_resico = expected[customers[1]]
        cert_resico.write({'xml_file': xml(customers[1], '6A1B2C3D-0002-4000-8000-000000000002', pay_date.month, [
            ('isr', 48000.0, round(cert_resico.expected_isr - 100, 2))]), 'xml_filename': 'retenciones_gca.xml'})
        other_month = 12 if pay_date.month == 1 else pay_date.month - 1
        Certificate.create({'xml_file': xml(customers[3], '6A1B2C3D-0004-4000-8000-000000000004', other_month, [
            ('isr', 8000.0, 800.0)]), 'xml_filename': 'retenciones_hsr_anterior.xml'})

        # A bank statement to match: an exact payment naming its invoice, a freight payment net of the 4 % IVA
        # with the customer's RFC, and a deposit that matches nothing.
        net_freight = open_freight.amount_residual - round(open_freight.amount_untaxed * 0.04, 2)
        self.env['account.bank.statement.line'].with_company(company).create([
            {'journal_id': journal.id, 'date': today - timedelta(days=2), 'amount': open_services.amount_residual,
             'payment_ref': f'SPEI RECIBIDO CONSULTORES FISCALES PAGO FACT {open_services.name}'},
            {'journal_id': journal.id, 'date': today - timedelta(days=1), 'amount': net_freight,
             'payment_ref': f'TRANSFERENCIA {customers[2].vat} LOGISTICA PACIFICO'},
            {'journal_id': journal.id, 'date': today - timedelta(days=1), 'amount': 4321.09,
             'payment_ref': 'DEPOSITO EN EFECTIVO SUCURSAL 0452'},
        ])
        matches = self.env['cobranza.bank.match']._match_company(company, auto=False)
        states = Certificate.search([('partner_id', 'in', customers.ids)]).mapped('state')
        return {'invoices': len(paid) + 3, 'short_payments': len(paid) - 1, 'unpaid': unpaid.name,
                'certificates': {state: states.count(state) for state in sorted(set(states))},
                'bank_proposals': len(matches)}
