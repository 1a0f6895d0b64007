"""The WhatsApp status webhook against hostile and malformed payloads, and one app secret per company.

Every payload goes over real HTTP to the Odoo test server. Signed ones are signed like Meta does
(HMAC-SHA256 of the raw body with the company's app secret): a valid signature must not make a
payload of unexpected shape an error. The documented answers: 411 without Content-Length, 413
above 1 MiB, 403 unsigned or wrongly signed, 400 for a body that is not a UTF-8 JSON object, 200
for anything else (whatever is malformed in it is ignored), never 500; one warning per refusal.
"""
import hashlib
import hmac
import json
import logging
from contextlib import contextmanager
from datetime import date, datetime

from odoo.tests import BaseCase, HttpCase, tagged

from odoo.addons.cobranza_mx.controllers.whatsapp import MAX_BODY_BYTES
from odoo.addons.cobranza_mx.tools.whatsapp import parse_status_webhook, read_status_webhook

from .test_reminders import ReminderCommon, local
from .whatsapp_server import FakeWhatsAppServer, signed_webhook, status_item, status_payload

URL = '/cobranza/whatsapp/webhook'
PHONE_A = '1098765432'
PHONE_B = '2098765432'
UNKNOWN = 'wamid.HBgMNTIxNTUxMjM0NTY3OBUCABEYEkZBS0VNOTk5OTk5OTk5OQ=='


def sign(secret, raw):
    """Headers of a raw body signed with ``secret``, whatever the bytes are."""
    return {'Content-Type': 'application/json',
            'X-Hub-Signature-256': 'sha256=' + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()}


@contextmanager
def captured_logs(name='odoo'):
    """The records of warning level and above logged under ``name`` meanwhile, by any thread."""
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def envelope(statuses=None, value=None, change=None, entry=None, top=None):
    """A status webhook with one part replaced: the innermost given wins."""
    if top is not None:
        return top
    payload = status_payload(statuses or [], PHONE_A)
    if entry is not None:
        payload['entry'] = entry
    elif change is not None:
        payload['entry'][0]['changes'] = change
    elif value is not None:
        payload['entry'][0]['changes'][0]['value'] = value
    return payload


def item(**values):
    """A well-formed status of a message nobody sent, with ``values`` replacing its keys."""
    status = status_item(UNKNOWN, 'delivered', timestamp=1781798400)
    status.update(values)
    return status


@tagged('post_install', '-at_install')
class TestStatusWebhookParser(BaseCase):
    """read_status_webhook / parse_status_webhook never raise on the shape of a decoded payload."""

    ID = 'entry[0].changes[0].value.statuses[0].id: not a valid string'
    MALFORMED = [
        ('a number', 42, 'payload: not an object'),
        ('a list', [], 'payload: not an object'),
        ('null', None, 'payload: not an object'),
        ('no entry', {'object': 'whatsapp_business_account'}, 'entry: not a list'),
        ('entry a string', envelope(entry='x'), 'entry: not a list'),
        ('entry item a number', envelope(entry=[1]), 'entry[0]: not an object'),
        ('changes an object', envelope(change={}), 'entry[0].changes: not a list'),
        ('changes missing', envelope(entry=[{'id': '1'}]), 'entry[0].changes: not a list'),
        ('change a string', envelope(change=['x']), 'entry[0].changes[0].value: not an object'),
        ('value a list', envelope(value=[]), 'entry[0].changes[0].value: not an object'),
        ('statuses an object', envelope(value={'statuses': {'id': 'x'}}),
         'entry[0].changes[0].value.statuses: not a list'),
        ('status a number', envelope([7]), 'entry[0].changes[0].value.statuses[0]: not an object'),
        ('id an object', envelope([item(id={'$ne': ''})]), ID),
        ('id a list', envelope([item(id=['wamid.A'])]), ID),
        ('id a number', envelope([item(id=12345)]), ID),
        ('id empty', envelope([item(id='')]), ID),
        ('id with NUL', envelope([item(id='wamid.A\x00')]), ID),
        ('id too long', envelope([item(id='w' * 257)]), ID),
        ('status an object', envelope([item(status={'v': 'read'})]),
         'entry[0].changes[0].value.statuses[0].status: not a valid string'),
        ('status missing', envelope([{'id': UNKNOWN}]),
         'entry[0].changes[0].value.statuses[0].status: not a valid string'),
    ]

    def test_malformed_shapes_are_named_not_raised(self):
        for label, payload, problem in self.MALFORMED:
            with self.subTest(label):
                webhook = read_status_webhook(payload)
                self.assertEqual(webhook.events, [])
                self.assertEqual(webhook.problems, [problem])
                self.assertEqual(parse_status_webhook(payload), [])

    def test_json_string_at_the_top_is_decoded_once(self):
        # The text '"hello"' is the JSON string 'hello': it is not decoded a second time.
        self.assertEqual(read_status_webhook('"hello"').problems, ['payload: not an object'])
        self.assertEqual(read_status_webhook(b'"{}"').problems, ['payload: not an object'])
        for text in (b'not json', b'\xff\xfe{', b'[' * 100000, ''):
            with self.subTest(text[:10]), self.assertRaises(ValueError):
                read_status_webhook(text)

    def test_optional_parts_of_the_wrong_type_keep_the_status(self):
        payload = envelope([
            item(biz_opaque_callback_data=12345),
            item(biz_opaque_callback_data={'reminder': 1}),
            item(biz_opaque_callback_data='c' * 513),
            item(timestamp={'t': 1}, errors='x'),
            item(timestamp=True, status='FAILED', errors=[{'code': {'x': 1}, 'message': ['a'], 'title': 7,
                                                           'error_data': 'x'}]),
            item(timestamp=1e400, status='failed', errors=[{'code': 131026, 'message': 'Bad\x00 number',
                                                            'error_data': {'details': ['x']}}]),
            item(timestamp='9' * 5000, status='failed', errors=[{'code': 1, 'message': 'm' * 5000}]),
            item(biz_opaque_callback_data='cobranza.reminder:abc'),
        ])
        webhook = read_status_webhook(payload)
        self.assertEqual(len(webhook.events), 8)
        self.assertEqual([event.callback_data for event in webhook.events],
                         [None, None, None, None, None, None, None, 'cobranza.reminder:abc'])
        self.assertEqual(webhook.problems, ['entry[0].changes[0].value.statuses[%d].biz_opaque_callback_data: '
                                            'not a valid string' % index for index in range(3)])
        self.assertEqual({event.timestamp for event in webhook.events[3:7]}, {None})
        self.assertEqual(webhook.events[0].timestamp, datetime(2026, 6, 18, 16, 0))
        self.assertEqual([event.error for event in webhook.events[3:7]],
                         [None, 'Unknown error', '131026: Bad number', '1: ' + 'm' * 997])
        self.assertEqual(webhook.events[4].status, 'failed')

    def test_good_statuses_survive_bad_neighbours(self):
        payload = envelope([7, item(id={'x': 1}), item(id='wamid.GOOD', status='read')])
        payload['entry'].insert(0, 'garbage')
        payload['entry'][1]['changes'].append({'value': 'x'})
        webhook = read_status_webhook(payload)
        self.assertEqual([(event.message_id, event.status) for event in webhook.events], [('wamid.GOOD', 'read')])
        self.assertEqual(webhook.problems, [
            'entry[0]: not an object',
            'entry[1].changes[0].value.statuses[0]: not an object',
            'entry[1].changes[0].value.statuses[1].id: not a valid string',
            'entry[1].changes[1].value: not an object',
        ])
        incoming = envelope(value={'messaging_product': 'whatsapp', 'messages': [{'id': 'wamid.IN'}]})
        self.assertEqual(read_status_webhook(incoming), ([], []), "an incoming message is not a malformed status")


class WebhookCommon(ReminderCommon, HttpCase):
    """Company A (the test company) and company B, each with its own WhatsApp number and app secret."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name='Distribuidora del Sur S.A. de C.V.')['company']
        cls.company_b.write({
            'cobranza_whatsapp_token': 'token-b', 'cobranza_whatsapp_phone_number_id': PHONE_B,
            'cobranza_whatsapp_app_secret': 'secret-b', 'cobranza_whatsapp_verify_token': 'verify-b',
            'cobranza_whatsapp_timeout': 1,
        })

    def setUp(self):
        super().setUp()
        self.server_a = FakeWhatsAppServer(token='test-token', phone_number_id=PHONE_A, app_secret='app-secret')
        self.server_b = FakeWhatsAppServer(token='token-b', phone_number_id=PHONE_B, app_secret='secret-b')
        for company, server in ((self.company, self.server_a), (self.company_b, self.server_b)):
            server.start()
            self.addCleanup(server.stop)
            company.cobranza_whatsapp_api_url = server.url
        self.rule_email_48.write({'active': True, 'channel_email': False, 'channel_whatsapp': True})

    def _sent_reminder(self, company, partner):
        """A WhatsApp reminder of ``company`` sent to ``partner`` and confirmed by its provider."""
        due = date(2026, 6, 20)
        self._invoice(partner, due, company=company, invoice_date=date(2026, 5, 20))
        self._run(date(2026, 6, 10), company=company)
        now = local('America/Mexico_City', 2026, 6, 18, 10, 0)
        Reminder = self.Reminder.with_company(company)
        Reminder._schedule(self.env['cobranza.reminder.rule'].search([]), company, now)
        Reminder._send_due(now)
        self.env.invalidate_all()
        reminder = self.Reminder.search([('company_id', '=', company.id), ('partner_id', '=', partner.id)])
        self.assertEqual((len(reminder), reminder.state), (1, 'sent'))
        return reminder

    def _post(self, raw, headers):
        return self.url_open(URL, data=raw, headers=headers, method='POST')

    def _snapshot(self, reminders):
        self.env.invalidate_all()
        return [(r.state, r.reason, r.provider_message_id, r.log_ids.ids) for r in reminders]


@tagged('post_install', '-at_install')
class TestWebhookHardening(WebhookCommon):

    def _hostile_payloads(self, reminder):
        """(label, raw body, headers, expected status, logs a warning) of each hostile POST."""
        good = sign('app-secret', b'{}')
        nested = b'{"entry":' + b'[' * 200000 + b']' * 200000 + b'}'
        cases = [
            ('unsigned', json.dumps(envelope([item(id=reminder.provider_message_id, status='read')])).encode(),
             {'Content-Type': 'application/json'}, 403, True),
            ('signed by a stranger', *signed_webhook('forged', envelope(
                [item(id=reminder.provider_message_id, status='read')])), 403, True),
            ('signature not sha256', b'{}', {'X-Hub-Signature-256': good['X-Hub-Signature-256'][7:]}, 403, True),
            ('signature of another body', b'{"entry":[]}', good, 403, True),
            ('signed JSON sent as a form', b'{}', dict(good, **{'Content-Type': 'application/x-www-form-urlencoded'}),
             403, True),
            ('empty body', b'', sign('app-secret', b''), 400, True),
            ('not JSON', b'entry=1', sign('app-secret', b'entry=1'), 400, True),
            ('not UTF-8', b'{"entry":"\xff\xfe"}', sign('app-secret', b'{"entry":"\xff\xfe"}'), 400, True),
            ('UTF-16', '{"entry":[]}'.encode('utf-16'), sign('app-secret', '{"entry":[]}'.encode('utf-16')), 400,
             True),
            ('nested 200,000 deep', nested, sign('app-secret', nested), 400, True),
            ('NaN in the envelope', b'{"entry":NaN}', sign('app-secret', b'{"entry":NaN}'), 200, True),
        ]
        for label, top in (('a JSON string', 'hello'), ('a JSON number', 42), ('a JSON list', [{'entry': []}]),
                           ('JSON null', None), ('JSON true', True)):
            cases.append((label, *signed_webhook('app-secret', top), 400, True))
        for label, payload, _problem in TestStatusWebhookParser.MALFORMED:
            if isinstance(payload, dict):
                cases.append((label, *signed_webhook('app-secret', payload), 200, True))
        for label, payload, warns in (
            ('callback data a number', envelope([item(biz_opaque_callback_data=reminder.id)]), True),
            ('callback data an object', envelope([item(biz_opaque_callback_data={'id': reminder.id})]), True),
            ('callback data not a number', envelope([item(biz_opaque_callback_data='cobranza.reminder:abc')]), False),
            ('callback data out of range', envelope([item(biz_opaque_callback_data='cobranza.reminder:' + '9' * 30)]),
             False),
            ('callback data above int4', envelope([item(biz_opaque_callback_data='cobranza.reminder:2147483648')]),
             False),
            ('callback data negative', envelope([item(biz_opaque_callback_data='cobranza.reminder:-1')]), False),
            ('callback data in other digits',
             envelope([item(biz_opaque_callback_data='cobranza.reminder:\uff11\uff12')]), False),
            ('callback data with a tail',
             envelope([item(biz_opaque_callback_data=f'cobranza.reminder:{reminder.id}:x')]), False),
            ('callback data for a message that has another id',
             envelope([item(status='read', biz_opaque_callback_data=f'cobranza.reminder:{reminder.id}')]), False),
            ('timestamp and errors of every type', envelope([
                item(status='failed', timestamp={'t': 1}, errors={'code': 1}),
                item(status='failed', timestamp=[1], errors=[{'code': [1], 'message': {'m': 1}}]),
                item(status='failed', timestamp='9' * 5000, errors=[None, 'x'])]), False),
            ('an unknown status of the real message', envelope([item(id=reminder.provider_message_id,
                                                                     status='deleted')]), False),
        ):
            cases.append((label, *signed_webhook('app-secret', payload), 200, warns))
        padding = MAX_BODY_BYTES - len(b'{"entry":[],"pad":""}')
        limit = b'{"entry":[],"pad":"%s"}' % (b'x' * padding)
        over = limit[:-2] + b'x"}'
        cases += [
            ('exactly 1 MiB', limit, sign('app-secret', limit), 200, False),
            # Refused by Odoo before the controller runs: in the access log only.
            ('1 MiB and one byte', over, sign('app-secret', over), 413, False),
            ('1 MiB and one byte, as a form', over, dict(sign('app-secret', over), **{
                'Content-Type': 'application/x-www-form-urlencoded'}), 413, False),
        ]
        return cases

    def test_hostile_payloads_never_fail(self):
        """Each payload gets its documented answer and at most one warning; no reminder changes."""
        reminder = self._sent_reminder(self.company, self.customer_a)
        before = self._snapshot(reminder)
        for label, raw, headers, expected, warns in self._hostile_payloads(reminder):
            with self.subTest(label), captured_logs() as records:
                response = self._post(raw, headers)
                self.assertEqual(response.status_code, expected, response.text[:200])
                self.assertEqual([r.levelname for r in records], ['WARNING'] * warns, [r.getMessage() for r in records])
                self.assertFalse([r for r in records if r.exc_info], "no traceback")
                self.assertEqual(self._snapshot(reminder), before, "a hostile payload changes nothing")
        # Meta's subscription check still works, for each company's verify token and for no other text.
        url = URL + '?hub.mode=subscribe&hub.challenge=8723&hub.verify_token='
        self.assertEqual([self.url_open(url + token).text for token in ('verify-me', 'verify-b')], ['8723', '8723'])
        self.assertEqual(self.url_open(url + 'secret-b').status_code, 403)
        self.assertEqual(self.url_open(URL + '?hub.mode=subscribe&hub.verify_token=verify-me').status_code, 403)

    def test_chunked_body_is_refused(self):
        reminder = self._sent_reminder(self.company, self.customer_a)
        before = self._snapshot(reminder)
        raw, headers = signed_webhook('app-secret', envelope([item(id=reminder.provider_message_id, status='read')]))
        with self.assertLogs('odoo.addons.cobranza_mx.controllers', 'WARNING') as logs:
            response = self._post(iter([raw[:10], raw[10:]]), headers)
        self.assertEqual(response.status_code, 411)
        self.assertEqual(len(logs.records), 1)
        self.assertEqual(self._snapshot(reminder), before)

    def test_good_status_beside_malformed_parts(self):
        reminder = self._sent_reminder(self.company, self.customer_a)
        payload = envelope([7, item(id={'x': 1}), item(id=reminder.provider_message_id, status='delivered')])
        with self.assertLogs('odoo.addons.cobranza_mx.controllers', 'WARNING') as logs:
            response = self._post(*signed_webhook('app-secret', payload))
        self.assertEqual(response.status_code, 200)
        [warning] = logs.output
        self.assertIn('ignored 2 malformed parts', warning)
        self.env.invalidate_all()
        self.assertEqual(reminder.state, 'delivered')

@tagged('post_install', '-at_install')
class TestWebhookCompanySecrets(WebhookCommon):
    """A status is applied only with the app secret of the company that owns the reminder."""

    def setUp(self):
        super().setUp()
        self.reminder_a = self._sent_reminder(self.company, self.customer_a)
        self.reminder_b = self._sent_reminder(self.company_b, self.customer_c)

    def test_other_company_secret_cannot_update(self):
        before = self._snapshot(self.reminder_a)
        payload = envelope([item(id=self.reminder_a.provider_message_id, status='read')])
        with self.assertLogs('odoo.addons.cobranza_mx', 'WARNING') as logs:
            response = self._post(*signed_webhook('secret-b', payload))
        self.assertEqual(response.status_code, 200, "acknowledged, so that Meta does not send it again")
        # The webhook's statuses are applied (and this warning logged) in models/cobranza_reminder_status.py.
        self.assertEqual(logs.output, ['WARNING:odoo.addons.cobranza_mx.models.cobranza_reminder_status:'
                                       'WhatsApp webhook: ignored the statuses of 1 reminders of a company whose '
                                       'app secret did not sign the payload'])
        self.assertEqual(self._snapshot(self.reminder_a), before)

    def test_other_company_secret_cannot_settle_a_message_in_doubt(self):
        """A message whose answer never came is found by its callback data: still only with its company's secret."""
        self.reminder_a.write({'state': 'sending', 'provider_message_id': False})
        before = self._snapshot(self.reminder_a)
        payload = envelope([item(id='wamid.IN-DOUBT', status='delivered',
                                 biz_opaque_callback_data=f'cobranza.reminder:{self.reminder_a.id}')])
        with self.assertLogs('odoo.addons.cobranza_mx', 'WARNING') as logs:
            response = self._post(*signed_webhook('secret-b', payload))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(logs.records), 1)
        self.assertEqual(self._snapshot(self.reminder_a), before)
        response = self._post(*signed_webhook('app-secret', payload))
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual((self.reminder_a.state, self.reminder_a.provider_message_id), ('delivered', 'wamid.IN-DOUBT'))

    def test_each_company_updates_its_own(self):
        both = envelope([item(id=self.reminder_a.provider_message_id, status='read'),
                         item(id=self.reminder_b.provider_message_id, status='read')])
        response = self._post(*signed_webhook('secret-b', both))
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual((self.reminder_a.state, self.reminder_b.state), ('sent', 'read'))
        response = self._post(*signed_webhook('app-secret', envelope([
            item(id=self.reminder_a.provider_message_id, status='delivered')])))
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(self.reminder_a.state, 'delivered')
        self.assertEqual(self.reminder_a.log_ids[0].result, 'delivered')
