from odoo import fields, models


class CobranzaStageHistory(models.Model):
    """One row per stage change of an invoice: the material for time-in-stage and roll rates."""
    _name = 'cobranza.stage.history'
    _description = 'Collection Stage History'
    _order = 'date desc, id desc'
    # The run inserts thousands of rows at once: date and user_id say when and who, without the
    # four log columns and their two foreign keys.
    _log_access = False

    move_id = fields.Many2one('account.move', string="Invoice", required=True, ondelete='cascade', index=True,
                              readonly=True)
    account_id = fields.Many2one('cobranza.account', string="Collection Account", required=True, index=True,
                                 readonly=True, ondelete='cascade')
    # Through the account rather than stored: each stored many2one is a foreign key checked on every
    # one of the thousands of rows a run inserts.
    partner_id = fields.Many2one(related='account_id.partner_id', string="Customer")
    company_id = fields.Many2one(related='account_id.company_id')
    from_stage_id = fields.Many2one('cobranza.stage', readonly=True, ondelete='set null')
    to_stage_id = fields.Many2one('cobranza.stage', readonly=True, ondelete='set null')
    date = fields.Date(required=True, readonly=True, index=True)
    days_overdue = fields.Integer(readonly=True, aggregator='avg')
    amount_residual = fields.Float(string="Open Amount", digits='Account', readonly=True)
    run_id = fields.Many2one('cobranza.run', readonly=True, ondelete='set null', index='btree_not_null')
    user_id = fields.Many2one('res.users', string="Changed By", readonly=True,
                              help="Who changed the stage by hand; a run's changes name the run instead.")
    reason = fields.Selection([
        ('run', 'Daily run'),
        ('manual', 'Manual'),
        ('closed', 'Left collection'),
        ('write_off', 'Written off'),
        ('write_off_reversed', 'Write-off reversed'),
    ], readonly=True, default='run')
