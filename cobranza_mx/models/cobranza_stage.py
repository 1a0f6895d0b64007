from odoo import fields, models

from ..tools.stages import STAGE_RANK, WRITTEN_OFF, StageRule

STAGE_CODE_SELECTION = [
    ('preventive', 'Preventive'),
    ('administrative', 'Administrative'),
    ('extrajudicial', 'Extrajudicial'),
    ('judicial', 'Judicial'),
    ('uncollectable', 'Uncollectable (candidate)'),
    (WRITTEN_OFF, 'Uncollectable (written off)'),
]


class CobranzaStage(models.Model):
    _name = 'cobranza.stage'
    _description = 'Collection Stage'
    _order = 'policy_id, days_from, sequence, id'

    name = fields.Char(required=True, translate=True)
    policy_id = fields.Many2one('cobranza.policy', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='policy_id.company_id', store=True)
    sequence = fields.Integer(default=10)
    code = fields.Selection(
        STAGE_CODE_SELECTION, required=True, default='administrative',
        help="Family of the stage; decides which stage is more advanced across policies.")
    days_from = fields.Integer(
        string="From Day", required=True, default=0,
        help="The invoice enters this stage this many days after its due date (negative: before it).")
    min_amount = fields.Float(
        string="Minimum Open Amount", digits='Account',
        help="The invoice enters this stage only when its open amount, in company currency, reaches this.")
    fold = fields.Boolean(string="Folded in Kanban")
    color = fields.Integer()
    description = fields.Text(translate=True)
    action_ids = fields.One2many('cobranza.stage.action', 'stage_id', string="Actions on Entry", copy=True)

    _days_positive_amount = models.Constraint(
        'CHECK(min_amount >= 0)', 'The minimum amount of a stage cannot be negative.')

    def _as_rules(self, placed_only=True):
        """The stages as the run's rules; the written-off stage (``placed_only``) is no rule: only a write-off
        puts invoices there."""
        return [
            StageRule(stage.id, stage.days_from, stage.min_amount, stage.sequence, STAGE_RANK[stage.code])
            for stage in self if not (placed_only and stage.code == WRITTEN_OFF)
        ]
