from odoo import models


class AccountChartTemplate(models.AbstractModel):
    _inherit = 'account.chart.template'

    def _post_load_data(self, template_code, company, template_data):
        """Every company that gets the Mexican chart gets the sale-side withholding taxes too."""
        result = super()._post_load_data(template_code, company, template_data)
        if template_code == 'mx':
            self.env['account.tax']._cobranza_ensure_sale_withholdings(company or self.env.company)
        return result
