"""What a collector does with a debtor, in the contact log: calls, WhatsApp chats, visits and their outcome.

The reminder engine writes delivery results (queued, sent, delivered...); a collector writes the
outcome of a conversation (contacted, promise to pay, wrong number...). Both are rows of the same
immutable log, so a complaint is answered from one place.
"""
from markupsafe import Markup
from odoo import api, fields, models
from odoo.tools import is_html_empty, plaintext2html

CONTACT_CHANNELS = [
    ('call_out', 'Outgoing call'),
    ('call_in', 'Incoming call'),
    ('visit', 'Visit'),
]
# Outcomes of a conversation, and the two results of a tap on call/WhatsApp.
CONTACT_RESULTS = [
    ('attempt', 'Attempt (call or chat opened)'),
    ('outside_window', 'Refused: outside the contact window'),
    ('contacted', 'Contacted'),
    ('no_answer', 'No answer'),
    ('voicemail', 'Voicemail'),
    ('wrong_number', 'Wrong number'),
    ('promise', 'Promise to pay'),
    ('dispute', 'Dispute'),
    ('already_paid', 'Says already paid'),
    ('refuses', 'Refuses to pay'),
    ('deceased', 'Deceased'),
    ('not_located', 'Not located'),
    ('statement_sent', 'Statement of account sent'),
]
REACHED = [
    ('debtor', 'Debtor'),
    ('guarantor', 'Guarantor (aval)'),
    ('third_party', 'Third party'),
    ('nobody', 'Nobody'),
]
# Channels on which the collector speaks first: the legal contact window applies to them.
OUTGOING_CHANNELS = ('call_out', 'whatsapp', 'sms', 'email', 'visit')


# The model is split by concept on purpose, like the reminders.
# pylint: disable=consider-merging-classes-inherited
class CobranzaContactLog(models.Model):
    _inherit = 'cobranza.contact.log'

    channel = fields.Selection(selection_add=CONTACT_CHANNELS, ondelete={
        code: 'cascade' for code, _label in CONTACT_CHANNELS})
    result = fields.Selection(selection_add=CONTACT_RESULTS, ondelete={
        code: 'cascade' for code, _label in CONTACT_RESULTS})
    reached = fields.Selection(REACHED, string="Who Was Reached", readonly=True)
    note = fields.Text(readonly=True)
    next_step = fields.Char(readonly=True)
    next_step_date = fields.Date(readonly=True)
    promise_id = fields.Many2one('cobranza.promise', string="Promise to Pay", readonly=True,
                                 index='btree_not_null', ondelete='restrict')
    body_html = fields.Html(string="Text", compute='_compute_body_html', sanitize=True)

    @api.depends('body')
    def _compute_body_html(self):
        # E-mails are logged as the HTML that was sent, SMS and WhatsApp as plain text: both are shown
        # rendered, never as source. The stored text, and its hash, stay exactly what was sent.
        for log in self:
            body = log.body or ''
            if is_html_empty(body):
                log.body_html = False
            elif '<' in body and '>' in body:
                log.body_html = Markup(body)
            else:
                log.body_html = plaintext2html(body)
