from odoo import api, fields, models

from ..tools.withholding import RATES_BY_CODE

WITHHOLDING_CODES = [(rate.code, rate.label) for rate in RATES_BY_CODE.values()]

# The sale-side withholdings a Mexican company needs. ``l10n_mx`` ships only the 1.25 % one (inactive,
# ``mx_wh_1_25_sale``): it is reused and activated; the others are created, mirroring the purchase
# withholdings of ``l10n_mx``'s account.tax-mx.csv (ISR on invoice, IVA cash basis).
SALE_WITHHOLDINGS = {
    'isr_10': {
        'xmlid': 'tax_wh_isr_10_sale', 'l10n_mx_xmlid': None, 'amount': -10.0, 'tax_type': 'isr',
        'group': 'tax_group_isr_ret_10', 'exigibility': 'on_invoice', 'sequence': 15,
        'name': "10% WH ISR", 'name_es': "Ret. ISR 10%",
        'description': "Withholding of income tax 10% (professional services, rent)",
        'description_es': "Retención de ISR 10% (servicios profesionales, arrendamiento)",
    },
    'isr_1_25': {
        'xmlid': 'tax_wh_isr_1_25_sale', 'l10n_mx_xmlid': 'mx_wh_1_25_sale', 'amount': -1.25, 'tax_type': 'isr',
        'group': 'tax_group_iva_isr_ret_1_25', 'exigibility': 'on_invoice', 'sequence': 15,
        'name': "1.25% WH", 'name_es': "Ret. ISR 1.25% RESICO",
        'description': "Withholding of income tax RESICO 1.25%", 'description_es': "Retención de ISR RESICO 1.25%",
    },
    'iva_2_3': {
        'xmlid': 'tax_wh_iva_2_3_sale', 'l10n_mx_xmlid': None, 'amount': -10.6667, 'tax_type': 'iva',
        'group': 'tax_group_iva_ret_1067', 'exigibility': 'on_payment', 'sequence': 18,
        'name': "10.67% WH IVA", 'name_es': "Ret. IVA 10.67%",
        'description': "VAT withholding two thirds 10.67% (services, rent)",
        'description_es': "Retención de IVA dos terceras partes 10.67% (servicios, arrendamiento)",
    },
    'iva_4': {
        'xmlid': 'tax_wh_iva_4_sale', 'l10n_mx_xmlid': None, 'amount': -4.0, 'tax_type': 'iva',
        'group': 'tax_group_iva_ret_4', 'exigibility': 'on_payment', 'sequence': 12,
        'name': "4% WH IVA", 'name_es': "Ret. IVA 4% fletes",
        'description': "VAT withholding 4% (road freight)", 'description_es': "Retención de IVA 4% (autotransporte)",
    },
}

# Asset accounts of the withheld taxes: ``l10n_mx``'s "ISR Retenido" (113.02.02) is reused; the IVA
# ones are created when missing (the chart has none on the sale side).
WITHHOLDING_ACCOUNTS = {
    'isr': {'l10n_mx_xmlid': 'cuenta113_02_02', 'xmlid': 'account_isr_withheld', 'code': '113.02.02',
            'name': "ISR withheld to credit", 'name_es': "ISR retenido a favor", 'reconcile': False},
    'iva': {'l10n_mx_xmlid': None, 'xmlid': 'account_iva_withheld', 'code': '113.01.02',
            'name': "IVA withheld to credit", 'name_es': "IVA retenido a favor", 'reconcile': False},
    'iva_transition': {'l10n_mx_xmlid': None, 'xmlid': 'account_iva_withheld_transition', 'code': '119.01.05',
                       'name': "IVA withheld pending credit", 'name_es': "IVA retenido por acreditar",
                       'reconcile': True},
}


class AccountTax(models.Model):
    _inherit = 'account.tax'

    cobranza_withholding_code = fields.Selection(
        WITHHOLDING_CODES, string="Customer Withholding", index='btree_not_null',
        help="Sale-side Mexican withholding this tax is: the customer withholds it when paying.")

    @api.model
    def _cobranza_rate_labels(self):
        """The withholding rates' labels in the user's language, by code."""
        return dict(self._fields['cobranza_withholding_code']._description_selection(self.env))

    @api.model
    def _cobranza_withholding_account(self, company, key):
        """The asset account of ``key`` ('isr', 'iva', 'iva_transition') of ``company``, created when missing."""
        spec = WITHHOLDING_ACCOUNTS[key]
        xmlid = f'cobranza_mx.{company.id}_{spec["xmlid"]}'
        account = self.env.ref(xmlid, raise_if_not_found=False)
        if not account and spec['l10n_mx_xmlid']:
            account = self.env.ref(f'account.{company.id}_{spec["l10n_mx_xmlid"]}', raise_if_not_found=False)
        if account:
            return account
        Account = self.env['account.account'].sudo().with_company(company)
        account = Account.search([*Account._check_company_domain(company), ('code', '=', spec['code'])], limit=1)
        if not account:
            account = Account.create({
                'name': spec['name'], 'code': spec['code'], 'account_type': 'asset_current',
                'reconcile': spec['reconcile'], 'company_ids': [(6, 0, company.ids)],
            })
            self._cobranza_translate(account, 'name', spec['name_es'])
        self._cobranza_set_xmlid(account, xmlid)
        return account

    @api.model
    def _cobranza_translate(self, record, field_name, spanish):
        # Records made in code have no xml id of a data file for the .po to reach: their Spanish is set here,
        # in every active Spanish language.
        langs = [code for code, _name in self.env['res.lang'].get_installed() if code.startswith('es')]
        if langs:
            record.update_field_translations(field_name, dict.fromkeys(langs, spanish))

    @api.model
    def _cobranza_set_xmlid(self, record, xmlid):
        module, name = xmlid.split('.')
        # noupdate: these records are not in a data file, a module update must not delete them.
        self.env['ir.model.data'].sudo().create({
            'module': module, 'name': name, 'model': record._name, 'res_id': record.id, 'noupdate': True,
        })

    @api.model
    def _cobranza_ensure_sale_withholdings(self, companies=None):
        """Create (or activate) the four sale-side withholding taxes of every Mexican company.

        Idempotent: a tax is found by its xml id per company (``cobranza_mx.<company id>_tax_wh_*``,
        or ``l10n_mx``'s ``mx_wh_1_25_sale``) and never duplicated. Returns the taxes by company id and code.
        """
        companies = companies or self.env['res.company'].sudo().search([('chart_template', '=', 'mx')])
        result = {}
        for company in companies.filtered(lambda c: c.chart_template == 'mx'):
            result[company.id] = {code: self._cobranza_ensure_sale_withholding(company, code)
                                  for code in SALE_WITHHOLDINGS}
        return result

    @api.model
    def _cobranza_ensure_sale_withholding(self, company, code):
        spec = SALE_WITHHOLDINGS[code]
        Tax = self.sudo().with_context(active_test=False)
        xmlid = f'cobranza_mx.{company.id}_{spec["xmlid"]}'
        tax = self.env.ref(xmlid, raise_if_not_found=False)
        if tax:
            return tax
        tax = spec['l10n_mx_xmlid'] and self.env.ref(f'account.{company.id}_{spec["l10n_mx_xmlid"]}',
                                                      raise_if_not_found=False)
        if not tax:
            tax = Tax.search([('company_id', '=', company.id), ('type_tax_use', '=', 'sale'),
                              ('cobranza_withholding_code', '=', code)], limit=1)
        if tax:
            tax.sudo().write({'active': True, 'cobranza_withholding_code': code})
            self._cobranza_set_xmlid(tax, xmlid)
            return tax
        account = self._cobranza_withholding_account(company, spec['tax_type'])
        group = self.env.ref(f'account.{company.id}_{spec["group"]}', raise_if_not_found=False)
        repartition = [
            (0, 0, {'repartition_type': 'base'}),
            (0, 0, {'repartition_type': 'tax', 'account_id': account.id}),
        ]
        vals = {
            'name': spec['name'], 'description': spec['description'], 'amount': spec['amount'],
            'amount_type': 'percent', 'type_tax_use': 'sale', 'sequence': spec['sequence'],
            'company_id': company.id, 'country_id': company.account_fiscal_country_id.id or company.country_id.id,
            'tax_exigibility': spec['exigibility'], 'l10n_mx_tax_type': spec['tax_type'],
            'l10n_mx_factor_type': 'Tasa', 'cobranza_withholding_code': code,
            'invoice_label': spec['name'],
            'invoice_repartition_line_ids': repartition,
            'refund_repartition_line_ids': [(0, 0, dict(line[2])) for line in repartition],
        }
        if group:
            vals['tax_group_id'] = group.id
        if spec['exigibility'] == 'on_payment':
            vals['cash_basis_transition_account_id'] = self._cobranza_withholding_account(
                company, 'iva_transition').id
        tax = Tax.with_company(company).create(vals)
        self._cobranza_translate(tax, 'name', spec['name_es'])
        self._cobranza_translate(tax, 'invoice_label', spec['name_es'])
        self._cobranza_set_xmlid(tax, xmlid)
        return tax
