from odoo import fields, models


class CobranzaStageHistory(models.Model):
    """One row per stage change of an invoice: the material for time-in-stage and roll rates."""
    _name = 'cobranza.stage.history'
    _description = 'Collection Stage History'
    _order = 'date desc, id desc'
    _log_access = True

    move_id = fields.Many2one('account.move', string="Invoice", required=True, ondelete='cascade', index=True,
                              readonly=True)
    account_id = fields.Many2one('cobranza.account', string="Collection Account", index=True, readonly=True,
                                 ondelete='set null')
    partner_id = fields.Many2one('res.partner', string="Customer", index=True, readonly=True)
    company_id = fields.Many2one('res.company', required=True, index=True, readonly=True)
    from_stage_id = fields.Many2one('cobranza.stage', readonly=True, ondelete='set null')
    to_stage_id = fields.Many2one('cobranza.stage', readonly=True, ondelete='set null')
    date = fields.Date(required=True, readonly=True, index=True)
    days_overdue = fields.Integer(readonly=True)
    amount_residual = fields.Float(string="Open Amount", digits='Account', readonly=True)
    run_id = fields.Many2one('cobranza.run', readonly=True, ondelete='set null', index='btree_not_null')
    user_id = fields.Many2one('res.users', string="Changed By", readonly=True)
    reason = fields.Selection([
        ('run', 'Daily run'),
        ('manual', 'Manual'),
        ('closed', 'Left collection'),
    ], readonly=True, default='run')
