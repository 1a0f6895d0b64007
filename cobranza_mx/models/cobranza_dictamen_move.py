"""Invoices written off by a dictamen, the debtor's data it needs, and later payments (taxable recoveries)."""
from odoo import api, fields, models

# pylint: disable=consider-merging-classes-inherited


class ResPartner(models.Model):
    _inherit = 'res.partner'

    cobranza_business_activity = fields.Boolean(
        string="Business Activity", compute='_compute_cobranza_business_activity', store=True, readonly=False,
        help="A debtor with business activity is told in writing before its credits are deducted "
             "(LISR art. 27 fr. XV).")
    cobranza_insolvency_date = fields.Date(
        string="Bankruptcy / Concurso Ruling", tracking=True,
        help="The date of the ruling declaring the debtor bankrupt or in concurso mercantil: basis (c).")

    cobranza_lawsuit_date = fields.Date(
        string="Lawsuit Filed On", tracking=True,
        help="Collection went to court: above 30,000 UDIS the credits are deductible with the final ruling (b).")

    @api.depends('is_company')
    def _compute_cobranza_business_activity(self):
        for partner in self:
            partner.cobranza_business_activity = partner.is_company


class AccountMove(models.Model):
    _inherit = 'account.move'

    cobranza_dictamen_id = fields.Many2one('cobranza.dictamen', string="Written Off by Dictamen", readonly=True,
                                           copy=False, index='btree_not_null')


class AccountPayment(models.Model):
    _inherit = 'account.payment'

    cobranza_recovery_dictamen_id = fields.Many2one(
        'cobranza.dictamen', string="Recovery of Written-off Credit", readonly=True, copy=False,
        index='btree_not_null',
        help="The debtor's credits were deducted as uncollectable: this payment is taxable income.")
    cobranza_taxable_recovery = fields.Boolean(string="Taxable Recovery", readonly=True, copy=False)

    def action_post(self):
        result = super().action_post()
        self._cobranza_flag_recoveries()
        return result

    def _cobranza_flag_recoveries(self):
        inbound = self.filtered(lambda payment: payment.payment_type == 'inbound' and payment.partner_id
                                and not payment.cobranza_recovery_dictamen_id)
        if not inbound:
            return
        Dictamen = self.env['cobranza.dictamen'].sudo()
        for payment in inbound:
            dictamen = Dictamen.search([
                ('company_id', '=', payment.company_id.id), ('state', '=', 'written_off'),
                ('partner_id', '=', payment.partner_id.commercial_partner_id.id)], order='write_off_date desc',
                limit=1)
            if not dictamen:
                continue
            payment.write({'cobranza_recovery_dictamen_id': dictamen.id, 'cobranza_taxable_recovery': True})
            body = self.env._(
                "Payment from a debtor whose credits were written off by dictamen %(dictamen)s on %(date)s: "
                "the amount recovered is taxable income.", dictamen=dictamen.name, date=dictamen.write_off_date)
            payment.message_post(body=body)
            dictamen.message_post(body=self.env._("Recovery %(payment)s: %(body)s", payment=payment.name, body=body))
