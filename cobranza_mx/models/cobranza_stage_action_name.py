"""Stage-action names in every installed language: the name is made of the action type and the
activity summary, both translated, so it is translated with them whenever either changes and
whenever a language's terms are loaded."""
from odoo import api, fields, models


# The model is split by concept on purpose: the translation of its computed name.
# pylint: disable=consider-merging-classes-inherited
class CobranzaStageAction(models.Model):
    _inherit = 'cobranza.stage.action'

    name = fields.Char(translate=True)

    @api.model_create_multi
    def create(self, vals_list):
        actions = super().create(vals_list)
        actions._translate_name()
        return actions

    def write(self, vals):
        result = super().write(vals)
        if {'action_type', 'activity_type_id', 'activity_summary'} & vals.keys() and 'name' not in vals:
            self._translate_name()
        return result

    def _name_in(self, lang):
        action = self.with_context(lang=lang)
        labels = dict(action._fields['action_type']._description_selection(action.env))
        detail = action.activity_summary or action.activity_type_id.name or ''
        return ' - '.join(filter(None, [labels.get(action.action_type), detail]))

    def _translate_name(self):
        """Write the generated name in every installed language; a name written by hand is kept."""
        langs = [code for code, _name in self.env['res.lang'].get_installed()]
        for action in self.sudo():
            if action.with_context(lang='en_US').name != action._name_in('en_US'):
                continue
            action.update_field_translations('name', {lang: action._name_in(lang) for lang in langs})


class IrModuleModule(models.Model):
    _inherit = 'ir.module.module'

    def _load_module_terms(self, modules, langs, overwrite=False):
        result = super()._load_module_terms(modules, langs, overwrite=overwrite)
        if 'cobranza_mx' in modules and 'cobranza.stage.action' in self.env:
            # A few actions per policy: all of them.
            actions = self.env['cobranza.stage.action'].with_context(active_test=False)
            actions.search([])._translate_name()  # pylint: disable=no-search-all
        return result
