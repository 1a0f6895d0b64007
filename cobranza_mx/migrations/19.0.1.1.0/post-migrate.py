"""19.0.1.1.0: the stage actions cron moved from cobranza.run to cobranza.stage.action.

Its record is noupdate, so an upgraded database keeps calling the old method unless it is
pointed at the new one here; a fresh install gets it from data/ir_cron_data.xml.
"""
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref('cobranza_mx.ir_cron_cobranza_stage_actions', raise_if_not_found=False)
    if cron and cron.model_id.model == 'cobranza.run':
        cron.write({
            'model_id': env.ref('cobranza_mx.model_cobranza_stage_action').id,
            'code': 'model._cron_process_queue()',
        })
