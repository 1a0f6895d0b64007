from odoo import fields, models


class CobranzaSegment(models.Model):
    _name = 'cobranza.segment'
    _description = 'Collection Portfolio Segment'
    _order = 'sequence, name'

    name = fields.Char(required=True, translate=True)
    code = fields.Char()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True)

    _code_uniq = models.Constraint('UNIQUE(code)', 'The code of a portfolio segment must be unique.')
