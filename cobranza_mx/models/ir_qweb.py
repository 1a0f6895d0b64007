"""The reminders' e-mails compile their template once per batch, not once per e-mail.

Odoo renders an inline QWeb ``body_html`` (a ``mail.template`` edited in the UI) by compiling it for
every record: for a batch of 200 reminder e-mails that is 200 compilations of the same text, most
of the sending time. Inside ``_queue_emails`` the context carries ``cobranza_qweb_cache`` (a dict
living for one batch): a template already compiled in it, with the same source and the same
compilation options, is reused, as Odoo reuses the compiled code of a view (``ormcache`` by
reference). Anywhere else nothing changes.
"""
from lxml import etree
from odoo import models

CACHE_KEY = 'cobranza_qweb_cache'


class IrQweb(models.AbstractModel):
    _inherit = 'ir.qweb'

    def _compile(self, template):
        cache = self.env.context.get(CACHE_KEY)
        if cache is None or not isinstance(template, etree._Element):
            return super()._compile(template)
        options = tuple(self.env.context.get(name) or False
                        for name in [*self._get_template_cache_keys(), 'raise_on_forbidden_code_for_model'])
        key = (etree.tostring(template), options)
        if key not in cache:
            cache[key] = super()._compile(template)
        return cache[key]
