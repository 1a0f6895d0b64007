from odoo import fields, models

from ..tools import uncollectable as uc

DOCUMENT_TYPES = [
    (uc.EV_RULING, 'Final ruling / collection exhausted in court'),
    ('lawsuit', 'Lawsuit'),
    (uc.EV_INSOLVENCY, 'Bankruptcy / concurso mercantil ruling'),
    (uc.EV_NOTICE, 'Acknowledged notice to the debtor'),
    ('investigation', 'Investigation of the debtor'),
    ('other', 'Other'),
]


class CobranzaDictamenDocument(models.Model):
    """A document that supports a dictamen (ruling, lawsuit, bankruptcy, acknowledged notice...)."""
    _name = 'cobranza.dictamen.document'
    _description = 'Dictamen Document'
    _order = 'date desc, id desc'

    dictamen_id = fields.Many2one('cobranza.dictamen', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='dictamen_id.company_id', store=True, index=True)
    doc_type = fields.Selection(DOCUMENT_TYPES, string="Type", required=True)
    name = fields.Char(string="Description", required=True)
    date = fields.Date(default=fields.Date.context_today, required=True)
    file = fields.Binary(attachment=True, required=True)
    filename = fields.Char()
