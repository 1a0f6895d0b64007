import base64
from datetime import timedelta

from odoo import Command, api, models

from .cobranza_portfolio_generator import DEMO_LANG, DEMO_TZ, QUIET

SOURCES = ('portal', 'collector', 'staff', 'email')
STATES = ('received', 'in_review', 'validated', 'rejected', 'expired')
PORTAL_LOGIN = 'deudor'
# The smallest valid PNG: the "photo" of a deposit slip; each proof gets its own bytes (no duplicate files).
PNG = base64.b64decode(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')


def _cep_xml(tracking_key, amount, day, payer, payer_rfc, company, company_rfc):
    """A CEP of Banxico's format (SPEI_Tercero) for the demo's transfers."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<SPEI_Tercero FechaOperacion="{day.isoformat()}" Hora="12:15:40" ClaveSPEI="40012" '
        f'claveRastreo="{tracking_key}" numeroCertificado="00001000000505142236" sello="ZGVtbw==">\n'
        f'  <Beneficiario BancoReceptor="BANAMEX" Nombre="{company}" TipoCuenta="40" Cuenta="002180009876543210" '
        f'RFC="{company_rfc}" Concepto="PAGO DE FACTURAS" IVA="0.00" MontoPago="{amount:.2f}"/>\n'
        f'  <Ordenante BancoEmisor="BBVA MEXICO" Nombre="{payer}" TipoCuenta="40" Cuenta="012180001234567891" '
        f'RFC="{payer_rfc}"/>\n'
        f'</SPEI_Tercero>\n').encode()


class CobranzaProofDemo(models.AbstractModel):
    """Demo of payment proofs (every state from every source) and a debtor portal user."""
    _name = 'cobranza.proof.demo'
    _description = 'Collection Demo: Payment Proofs and Debtor Portal'

    @api.model
    def _generate(self, company, today):
        """Create the demo proofs in ``company`` once, and (re)set the portal user of one debtor.

        Returns the lines to print: the proofs made, the portal login and password, and the debtor's
        tokenized portal link.
        """
        accounts = self.env['cobranza.account'].search([
            ('company_id', '=', company.id), ('collector_id', '!=', False), ('open_invoice_count', '>=', 2)],
            order='total_overdue desc', limit=len(SOURCES) * len(STATES) + 1)
        if not accounts:
            return []
        portal_account = accounts[0]
        lines = []
        Proof = self.env['cobranza.payment.proof'].with_company(company)
        if not Proof.search_count([('company_id', '=', company.id)], limit=1):
            proofs = self._make_proofs(company, today, accounts[1:])
            lines.append(f"Payment proofs: {len(proofs)} ("
                         + ', '.join(f"{state} {len(proofs.filtered(lambda p, s=state: p.state == s))}"
                                     for state in STATES) + ")")
        user, password = self._portal_user(portal_account)
        lines.append(f"Debtor portal: {user.login} / {password} ({portal_account.partner_id.name}), or without a "
                     f"password: {portal_account._cobranza_portal_url()}")
        return lines

    def _make_proofs(self, company, today, accounts):
        Proof = self.env['cobranza.payment.proof'].with_company(company).with_context(**QUIET)
        proofs = Proof.browse()
        accounts = list(accounts)
        for i, (source, state) in enumerate((s, t) for s in SOURCES for t in STATES):
            account = accounts[i % len(accounts)]
            invoice = account.invoice_ids.sorted('invoice_date_due')[:1]
            amount = round(min(invoice.amount_residual, 1000.0 + 37 * i), 2)
            pay_date = today - timedelta(days=2 + i % 5)
            received = today - timedelta(days=40) if state == 'expired' else pay_date + timedelta(days=1)
            reference = f"DEMO{company.id:02d}{i:03d}{pay_date.strftime('%y%m%d')}"
            if i % 2 == 0:
                files = [(f'cep_{reference}.xml', _cep_xml(
                    reference, amount, pay_date, account.partner_id.name.upper(), account.vat or 'XAXX010101000',
                    company.name.upper(), company.vat or 'EKU9003173C9'))]
            else:
                files = [(f'deposito_{reference}.png', PNG + reference.encode())]
            proof = Proof._create_from_files({
                'partner_id': account.partner_id.id, 'company_id': company.id, 'source': source,
                'move_ids': [Command.set(invoice.ids)], 'amount': amount, 'payment_date': pay_date,
                'reference': reference, 'received_date': received,
                'proof_type': 'spei' if i % 2 == 0 else 'deposit',
            }, files)
            if state != 'received':
                proof.action_submit_review()
            if state == 'validated':
                self.env['account.payment.register'].with_context(
                    active_model='account.move', active_ids=invoice.ids).create({
                        'amount': amount, 'payment_date': pay_date, 'communication': reference})._create_payments()
                proof._propose()
                proof.action_validate()
            elif state == 'rejected':
                proof.action_reject(('illegible', 'amount_mismatch', 'not_found', 'altered')[i % 4])
            proofs |= proof
        Proof._cron_expire_proofs()
        return proofs

    def _portal_user(self, account):
        """A portal user for the payments contact of ``account``'s customer (login and password 'deudor')."""
        partner = account.partner_id
        contact = partner.child_ids.filtered(lambda c: c.email == f'{PORTAL_LOGIN}@example.com.mx')[:1]
        if not contact:
            contact = self.env['res.partner'].create({
                'name': f"Pagos {partner.name}", 'parent_id': partner.id, 'type': 'contact',
                'email': f'{PORTAL_LOGIN}@example.com.mx', 'lang': DEMO_LANG, 'tz': DEMO_TZ})
        Users = self.env['res.users'].with_context(active_test=False, **QUIET)
        values = {'name': contact.name, 'login': PORTAL_LOGIN, 'password': PORTAL_LOGIN, 'partner_id': contact.id,
                  'lang': DEMO_LANG, 'tz': DEMO_TZ, 'active': True,
                  'company_id': account.company_id.id, 'company_ids': [Command.set(account.company_id.ids)],
                  'group_ids': [Command.set(self.env.ref('base.group_portal').ids)]}
        user = Users.search([('login', '=', PORTAL_LOGIN)], limit=1)
        if user:
            user.write({key: value for key, value in values.items() if key != 'partner_id'})
        else:
            user = Users.create(values)
        return user, PORTAL_LOGIN
