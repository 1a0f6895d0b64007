"""Reminders that carry a document: the dictamen notice, a payment agreement, the missing withholding certificates.

A *document* rule (``trigger`` ``document``) is used on demand, like the statement of account: the
code that has a document for the debtor calls :meth:`CobranzaReminder._queue_document` with the
account, the channel, the file (an ``ir.attachment``, or none) and the record it comes from (the
dictamen, the agreement, the certificate). The reminder is then sent by the engine as any other:
the contact window of the debtor (deferred outside it), the daily cap, opt-outs, forbidden language
and a contact log row for every attempt. By e-mail it carries *that* file (not the invoice PDFs); by
SMS or WhatsApp the text links to it on the debtor's portal with the account's expiring token; as a
letter the file itself is what is printed and mailed.

Each policy has one document rule per kind of document (``document_kind``), with its template and
texts: the default policy gets them from ``data/cobranza_reminder_document_data.xml``. The rule of
the missing withholding certificates is also planned by the reminders' cron once a month (from its
offset after the first day of the month, 09:00 of the debtor), at most one per customer and month.
"""
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from ..tools import contact_window as cw
from .cobranza_reminder_reason import REASONS, because

_lt = LazyTranslate(__name__)

TRIGGER_DOCUMENT = 'document'
KIND_NOTICE = 'dictamen_notice'
KIND_AGREEMENT = 'agreement'
KIND_WITHHOLDING = 'withholding'
KIND_OTHER = 'other'
DOCUMENT_KINDS = [
    (KIND_NOTICE, 'Dictamen notice to the debtor'),
    (KIND_AGREEMENT, 'Payment agreement PDF'),
    (KIND_WITHHOLDING, 'Missing withholding certificates'),
    (KIND_OTHER, 'Other document'),
]
# The records a document comes from, and the kind of document each sends.
DOCUMENT_SOURCES = {
    'cobranza.dictamen': KIND_NOTICE,
    'cobranza.agreement': KIND_AGREEMENT,
    'cobranza.withholding.certificate': KIND_WITHHOLDING,
}
DOCUMENT_TEMPLATES = {
    KIND_WITHHOLDING: 'cobranza_mx.mail_template_reminder_withholding',
}
DEFAULT_DOCUMENT_TEMPLATE = 'cobranza_mx.mail_template_reminder_document'
# States of a document reminder that reached (or may have reached) the debtor.
SENT_STATES = ('sent', 'delivered', 'read', 'unconfirmed')
# The engine's reasons are a registry of codes: the document's own are added to it here.
REASONS.update({
    'document_gone': _lt("The document is no longer due (its record was cancelled, deleted or settled)."),
})


# The model is split by concept on purpose (see cobranza_reminder.py's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaReminderRule(models.Model):
    _inherit = 'cobranza.reminder.rule'

    trigger = fields.Selection(selection_add=[(TRIGGER_DOCUMENT, 'Document (on demand)')],
                               ondelete={TRIGGER_DOCUMENT: 'cascade'})
    document_kind = fields.Selection(
        DOCUMENT_KINDS, string="Document",
        help="Which documents this rule sends (Document rules only): the dictamen notice, the payment agreement, "
             "the reminder of the missing withholding certificates (also planned monthly: offset in hours from "
             "the first day of the month at 09:00), or any other.")

    @api.onchange('trigger', 'document_kind')
    def _onchange_trigger(self):
        result = super()._onchange_trigger()
        if self.trigger == TRIGGER_DOCUMENT:
            self.update({'mail_template_id': self.env.ref(
                DOCUMENT_TEMPLATES.get(self.document_kind, DEFAULT_DOCUMENT_TEMPLATE), raise_if_not_found=False)})
        return result


class CobranzaReminder(models.Model):
    _inherit = 'cobranza.reminder'

    document_attachment_id = fields.Many2one('ir.attachment', string="Document", readonly=True,
                                             index='btree_not_null', ondelete='restrict')
    document_ref = fields.Reference(selection='_selection_document_models', string="Document Of", readonly=True,
                                    index='btree_not_null')
    # What the monthly planning deduplicates on (e.g. 'withholding:2026-07'): one per customer and month.
    document_key = fields.Char(readonly=True, index='btree_not_null')

    @api.model
    def _selection_document_models(self):
        return [(name, self.env[name]._description) for name in DOCUMENT_SOURCES]

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------
    @api.model
    def _document_rules(self, account, kind):
        """The active document rules of ``account``'s policy for ``kind`` (those of *other documents* when none)."""
        Rule = self.env['cobranza.reminder.rule'].sudo()
        domain = [('policy_id', '=', account._cobranza_policy().id), ('trigger', '=', TRIGGER_DOCUMENT)]
        return Rule.search([*domain, ('document_kind', '=', kind)]) \
            or Rule.search([*domain, ('document_kind', 'in', (KIND_OTHER, False))])

    @api.model
    def _document_channel(self, account, kind, channels):
        """The channel, among ``channels`` (in order of preference), by which a document of ``kind`` reaches the
        debtor of ``account``, or None: e-mail when the debtor has one, else their preferred channel, else the
        first one they can be reached by, of those the policy's document rules allow and the debtor did not
        opt out of."""
        partner = account.partner_id
        rules = self._document_rules(account, kind)
        if not rules:
            raise UserError(self._no_rule_message(account, kind))
        reachable = {
            'email': bool(partner.email),
            'sms': bool(partner.cobranza_phone_e164),
            'whatsapp': bool(partner.cobranza_phone_e164),
            'letter': bool(partner.street and partner.city),
        }
        usable = [channel for channel in channels
                  if reachable.get(channel) and not partner[f'cobranza_optout_{channel}']
                  and any(rule[f'channel_{channel}'] for rule in rules)]
        if 'email' in usable:
            return 'email'
        if partner.cobranza_preferred_channel in usable:
            return partner.cobranza_preferred_channel
        return usable[0] if usable else None

    @api.model
    def _no_rule_message(self, account, kind, channel_label=None):
        document = dict(self.env['cobranza.reminder.rule']._fields['document_kind']._description_selection(
            self.env))[kind]
        policy = account._cobranza_policy().display_name
        if channel_label:
            return self.env._("The policy %(policy)s has no rule to send %(document)s by %(channel)s: add a Document "
                              "rule in its reminders.", policy=policy, document=document, channel=channel_label)
        return self.env._("The policy %(policy)s has no rule to send %(document)s: add a Document rule in its "
                          "reminders.", policy=policy, document=document)

    @api.model
    def _queue_document(self, account, channel, attachment, source, key=None, trigger=True):
        """Queue the document ``attachment`` (an ``ir.attachment``, or none) of ``source`` to the debtor of
        ``account`` by ``channel``, through the engine; returns the reminder.

        Uses the account's policy's document rule of ``source``'s kind for that channel (a UserError when
        there is none). Sent by the next pass of the reminders' cron (triggered now unless ``trigger`` is
        False) inside the debtor's contact window, and logged like any reminder. ``key`` marks it for the
        planning that must not queue it twice (the monthly certificate reminder).
        """
        kind = DOCUMENT_SOURCES.get(source._name, KIND_OTHER)
        channel_label = dict(self._fields['channel']._description_selection(self.env))[channel]
        rule = self._document_rules(account, kind).filtered(lambda r: r[f'channel_{channel}'])[:1]
        if not rule:
            raise UserError(self._no_rule_message(account, kind, channel_label))
        moves = source._cobranza_document_moves() or account.sudo().invoice_ids
        moves = moves.sorted(lambda m: (m.invoice_date_due or m.date, m.id))
        if not moves:
            raise UserError(self.env._("%(document)s refers to no invoice of %(debtor)s: it cannot be sent.",
                                       document=source.display_name, debtor=account.partner_id.name))
        reference = f'{source._name},{source.id}'
        Reminder = self.sudo()
        if Reminder.search_count([('document_ref', '=', reference), ('channel', '=', channel),
                                  ('state', 'in', ('scheduled', 'deferred', 'sending'))], limit=1):
            raise UserError(self.env._("%(document)s is already on its way to %(debtor)s by %(channel)s.",
                                       document=source.display_name, debtor=account.partner_id.name,
                                       channel=channel_label))
        return self._queue_on_demand(account, rule, channel, moves, values={
            'document_attachment_id': attachment.id if attachment else False,
            'document_ref': reference, 'document_key': key or False,
        }, trigger=trigger)

    def _document_queued_message(self):
        """What the user is told once this document reminder is queued (inside the window or not)."""
        self.ensure_one()
        window, tz_name = self._contact_window()
        channel = dict(self._fields['channel']._description_selection(self.env))[self.channel]
        if cw.is_open(window, fields.Datetime.now(), tz_name):
            return self.env._("Queued: it goes out by %(channel)s now.", channel=channel)
        return self.env._("Queued: the debtor's contact window is closed, it goes out by %(channel)s when it opens.",
                          channel=channel)

    # ------------------------------------------------------------------
    # Planning: the monthly reminder of the missing withholding certificates
    # ------------------------------------------------------------------
    @api.model
    def _schedule_events(self, rules, company, now):
        created = super()._schedule_events(rules, company, now)
        return created | self._schedule_withholding_reminders(rules, company, now)

    @api.model
    def _schedule_withholding_reminders(self, rules, company, now):
        """Queue, once a month per customer, the reminder of its certificates missing for the months before
        this one, from the moment of the policy's rule; a customer reminded this month (by hand too) is not."""
        rules = rules.filtered(lambda r: r.trigger == TRIGGER_DOCUMENT and r.document_kind == KIND_WITHHOLDING
                               and (not r.company_id or r.company_id == company) and r._channels())
        if not rules:
            return self.browse()
        month = now.strftime('%Y-%m')
        key = f'{KIND_WITHHOLDING}:{month}'
        Certificate = self.env['cobranza.withholding.certificate'].sudo()
        missing = Certificate.search([('company_id', '=', company.id), ('state', '=', 'expected'),
                                      ('period', '<', month), ('partner_id', '!=', False)], order='period, id')
        if not missing:
            return self.browse()
        done = set(self.sudo().search([('company_id', '=', company.id), ('document_key', '=', key),
                                       ('partner_id', 'in', missing.partner_id.ids)]).partner_id.ids)
        pending = missing.filtered(lambda c: c.partner_id.id not in done)
        Account = self.env['cobranza.account'].sudo()
        account_ids = Account._ensure_accounts(company, pending.partner_id.ids)
        created = self.browse()
        for partner, certs in pending.grouped('partner_id').items():
            account = Account.browse(account_ids[partner.id])
            rule = rules.filtered(lambda r, a=account: r.policy_id == a._cobranza_policy())[:1]
            if not rule:
                continue
            first_day = now.date().replace(day=1)
            if cw.reminder_moment(first_day, rule.offset_hours, partner._cobranza_timezone()) > now:
                continue
            # A customer that cannot be reached gets its reminder all the same: the engine skips it with the
            # reason on record, and it is not planned again this month.
            channel = self._document_channel(account, KIND_WITHHOLDING, rule._channels()) or rule._channels()[0]
            try:
                with self.env.cr.savepoint():
                    created |= self._queue_document(account, channel, None, certs[0], key=key, trigger=False)
            except UserError as error:
                certs[0].message_post(body=self.env._("The monthly reminder could not be queued: %(error)s",
                                                      error=error))
        return created

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    def _is_document(self):
        self.ensure_one()
        return self.rule_id.trigger == TRIGGER_DOCUMENT

    def _honours_preferred_channel(self):
        # The channel of a document was chosen for it (the debtor's preference included) when it was queued.
        return not self[0]._is_document() and super()._honours_preferred_channel()

    def _cancel_stale_events(self):
        documents = self.filtered(lambda r: r.rule_id.trigger == TRIGGER_DOCUMENT)
        others = super(CobranzaReminder, self - documents)._cancel_stale_events()
        gone = documents.filtered(lambda r: not r._document_due())
        gone._stop('document_gone')
        return others | (documents - gone)

    def _document_due(self):
        """Whether this document is still to be sent: its record is there and wants it (a certificate reminder:
        while the customer owes certificates, even when the one it names was replaced by the one received)."""
        self.ensure_one()
        if self.rule_id.document_kind == KIND_WITHHOLDING:
            return bool(self._document_missing_certificates())
        return bool(self.document_ref) and self.document_ref._cobranza_document_due(self)

    def _stop_reasons(self):
        return {**super()._stop_reasons(), 'document_gone': ('cancelled', because('document_gone'))}

    def _email_attachment_ids(self, pdfs):
        """The e-mail of a document carries its document."""
        attachment = self[0].document_attachment_id
        return [*super()._email_attachment_ids(pdfs), *attachment.ids]

    def _send_letter_batch(self, items, now, outcomes, commit=False):
        """The letter of a document is the document itself, printed and mailed."""
        documents = [item for item in items if item.group[0].document_attachment_id]
        others = [item for item in items if not item.group[0].document_attachment_id]
        result = super()._send_letter_batch(others, now, outcomes, commit) if others else None
        for item in documents:
            attachment = item.group[0].document_attachment_id
            item.group.letter_attachment_id = attachment
            outcomes.finish(item.group, 'sent', log_result='queued',
                            text=self.env._("Printed document %(document)s, ready to mail.", document=attachment.name))
        return result

    def _send_batch(self, now, commit=False):
        result = super()._send_batch(now, commit=commit)
        documents = self.filtered(lambda r: r.rule_id.trigger == TRIGGER_DOCUMENT)
        for reminder in documents.filtered(lambda r: r.state in SENT_STATES and r.document_ref):
            reminder.document_ref._cobranza_document_sent(reminder)
        return result

    # ------------------------------------------------------------------
    # Content
    # ------------------------------------------------------------------
    def _document_label(self):
        """What the document is, in the debtor's language (the {document} placeholder, the e-mail's subject)."""
        self.ensure_one()
        reminder = self.with_context(lang=self.partner_id.lang or 'es_MX')
        if reminder.rule_id.document_kind == KIND_WITHHOLDING:
            return ', '.join(reminder._document_missing_certificates().mapped('period'))
        if reminder.document_ref:
            return reminder.document_ref._cobranza_document_label()
        return reminder.document_attachment_id.name or ''

    def _document_missing_certificates(self):
        """The missing withholding certificates a certificate reminder lists (read when it is rendered)."""
        self.ensure_one()
        return self.env['cobranza.withholding.certificate'].sudo().search([
            ('company_id', '=', self.company_id.id), ('partner_id', '=', self.partner_id.id),
            ('state', '=', 'expected')], order='period')

    def _placeholders(self):
        values = super()._placeholders()
        values['document'] = self._document_label() if self._is_document() else ''
        return values

    def _portal_url(self):
        """A document's link opens the document itself on the debtor's portal (tokenized, expiring)."""
        self.ensure_one()
        url = super()._portal_url()
        if self._is_document() and self.account_id and self.document_attachment_id:
            url = url.replace('?token=', f'/document/{self.document_attachment_id.id}?token=', 1)
        return url

    def _default_event_text(self):
        if self.rule_id.trigger != TRIGGER_DOCUMENT:
            return super()._default_event_text()
        if self.rule_id.document_kind == KIND_WITHHOLDING:
            return self.env._(
                "{company}: {partner}, please send us your withholding certificates (CFDI de Retenciones) of "
                "{document}. Questions: {company_phone}")
        return self.env._("{company}: {partner}, your document {document} is here: {portal_url} "
                          "Questions: {company_phone}")

    def _default_email_template(self):
        if self.rule_id.trigger != TRIGGER_DOCUMENT:
            return super()._default_email_template()
        return self.env.ref(DOCUMENT_TEMPLATES.get(self.rule_id.document_kind, DEFAULT_DOCUMENT_TEMPLATE))

    def _log_values(self, result, detail=None, text=None, reminders=None, recipient=None, provider_message_id=None):
        values = super()._log_values(result, detail=detail, text=text, reminders=reminders, recipient=recipient,
                                     provider_message_id=provider_message_id)
        if self.document_ref:
            values['document_ref'] = f'{self.document_ref._name},{self.document_ref.id}'
            if self.document_ref._name == 'cobranza.agreement':
                values['agreement_id'] = self.document_ref.id
        return values


class CobranzaContactLog(models.Model):
    _inherit = 'cobranza.contact.log'

    document_ref = fields.Reference(selection='_selection_document_models', string="Document", readonly=True)
    result = fields.Selection(selection_add=[('document_downloaded', 'Document downloaded')],
                              ondelete={'document_downloaded': 'cascade'})

    @api.model
    def _selection_document_models(self):
        return self.env['cobranza.reminder']._selection_document_models()
