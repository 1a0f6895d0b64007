from odoo import api, models


class MailTemplate(models.Model):
    _inherit = 'mail.template'

    @api.constrains('subject', 'body_html')
    def _check_cobranza_compliance(self):
        """Collection reminder templates may not contain forbidden language, in any installed language."""
        Terms = self.env['cobranza.forbidden.term']
        for template in self.filtered(lambda t: t.model == 'cobranza.reminder'):
            for lang in self.env['cobranza.reminder.rule']._compliance_langs():
                translated = template.with_context(lang=lang)
                Terms._check_texts(self.env._("E-mail template %(template)s", template=translated.name),
                                   translated.subject or '', translated.body_html or '')
