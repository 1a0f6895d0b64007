from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.compliance import find_forbidden


class CobranzaForbiddenTerm(models.Model):
    """Words and phrases that no collection message may contain."""
    _name = 'cobranza.forbidden.term'
    _description = 'Forbidden Collection Term'
    _order = 'category, term'

    term = fields.Char(required=True)
    category = fields.Selection([
        ('threat', 'Threat or intimidation'),
        ('insult', 'Offensive language'),
        ('authority', 'Imitates a court or an authority'),
        ('third_party', 'Pressure through third parties'),
    ], required=True, default='threat')
    active = fields.Boolean(default=True)
    note = fields.Char(translate=True)

    _term_uniq = models.Constraint('UNIQUE(term)', 'This term is already in the list.')

    @api.model
    def _find_in(self, *texts):
        """Forbidden terms found in any of ``texts``."""
        terms = self.sudo().search([('active', '=', True)]).mapped('term')
        found = []
        for text in texts:
            for term in find_forbidden(text, terms):
                if term not in found:
                    found.append(term)
        return found

    @api.model
    def _check_texts(self, what, *texts):
        """Raise a ValidationError naming the forbidden terms found in ``texts``."""
        found = self._find_in(*texts)
        if found:
            raise ValidationError(self.env._(
                "%(what)s contains language that collection messages may not use: %(terms)s",
                what=what, terms=', '.join(f'"{term}"' for term in found)))
