"""Benchmark: schedule and send reminders through a local WhatsApp Cloud API server and the SMS queue.

Usage (what `make bench` runs):
    python bench/bench_reminders.py --odoo-src /opt/odoo19 --addons-path ... --db cobranza_bench_reminders

It (re)creates the database, installs cobranza_mx, creates a Mexican company with N open invoices of
N debtors (valid Mexican numbers), and one reminder rule with the WhatsApp and SMS channels: 2 x N
reminders. In one process it then times the scheduling and the sending (the cron's code path,
committing after each debtor and channel as the cron does) and prints messages per second,
SQL queries per message and the peak memory. With BENCH_JSON set, the figures are merged into
that JSON file under the key "reminders".
"""
import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta

import bench_json


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--odoo-src', default='/opt/odoo19')
    parser.add_argument('--addons-path', required=True)
    parser.add_argument('--db', default='cobranza_bench_reminders')
    parser.add_argument('--debtors', type=int, default=5000, help="debtors, one open invoice each")
    parser.add_argument('--keep-db', action='store_true', help="reuse the database if it exists")
    return parser.parse_args()


def install(args):
    subprocess.run(['dropdb', '--if-exists', args.db], check=True)
    subprocess.run([sys.executable, f'{args.odoo_src}/odoo-bin', f'--addons-path={args.addons_path}', '-d', args.db,
                    '-i', 'cobranza_mx', '--stop-after-init', '--log-level=warn', '--http-port=0'], check=True)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    args = parse_args()
    sys.path.insert(0, args.odoo_src)
    if not args.keep_db:
        install(args)
    import odoo  # noqa: PLC0415
    from odoo import Command, api, sql_db  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(['--addons-path', args.addons_path, '-d', args.db, '--log-level=warn'])
    from odoo.addons.cobranza_mx.tests.whatsapp_server import FakeWhatsAppServer  # noqa: PLC0415

    registry = Registry(args.db)
    figures = {'debtors': args.debtors}
    due = date(2026, 6, 20)
    now = datetime(2026, 6, 18, 16, 0)  # 10:00 in Mexico City, 09:00 in Tijuana: inside every window
    with registry.cursor() as cr, FakeWhatsAppServer(token='bench-token', phone_number_id='1098765432') as server:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {'tracking_disable': True, 'mail_create_nolog': True})
        t0 = time.perf_counter()
        company = env['res.company'].create({
            'name': 'Comercializadora Bench S.A. de C.V.', 'country_id': env.ref('base.mx').id,
            'currency_id': env.ref('base.MXN').id, 'phone': '+52 81 8000 1234',
            'cobranza_whatsapp_api_url': server.url, 'cobranza_whatsapp_token': 'bench-token',
            'cobranza_whatsapp_phone_number_id': '1098765432'})
        env['account.chart.template'].try_loading('mx', company, install_demo=False)
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        states = env['res.country.state'].search([('country_id.code', '=', 'MX'),
                                                  ('code', 'in', ['BCN', 'ROO', 'SON', 'CMX', 'NLE', 'JAL'])])
        partners = env['res.partner'].create([{
            'name': f'Deudor {i:05d}', 'phone': f'+52 55 {1000 + i // 10000:04d} {i % 10000:04d}',
            'email': f'deudor{i}@example.com.mx', 'country_id': env.ref('base.mx').id,
            'state_id': states[i % len(states)].id, 'lang': 'en_US',
        } for i in range(args.debtors)])
        for start in range(0, args.debtors, 500):
            batch = env['account.move'].create([{
                'move_type': 'out_invoice', 'partner_id': partner.id, 'invoice_date': due - timedelta(days=30),
                'invoice_date_due': due, 'invoice_payment_term_id': False,
                'invoice_line_ids': [Command.create({'name': 'Servicio', 'quantity': 1, 'price_unit': 1160.0,
                                                     'tax_ids': [Command.clear()]})],
            } for partner in partners[start:start + 500]])
            batch.action_post()
        env['cobranza.run']._run_for_company(company, run_date=due - timedelta(days=2))
        env['cobranza.reminder.rule'].search([]).active = False
        env['cobranza.reminder.rule'].create({
            'name': 'Bench: 48 hours before', 'policy_id': env.ref('cobranza_mx.policy_default').id,
            'offset_hours': -48, 'channel_email': False, 'channel_sms': True, 'channel_whatsapp': True,
            'whatsapp_template': 'recordatorio_previo',
            'sms_body': '{company}: {partner}, {amount} due on {due_date}. Questions: {company_phone}'})
        cr.commit()
        figures['setup_seconds'] = round(time.perf_counter() - t0, 1)
        print(f"setup: {args.debtors} debtors and invoices in {figures['setup_seconds']} s", flush=True)

        Reminder = env['cobranza.reminder'].with_company(company)
        tracemalloc.start()
        queries0, t0 = sql_db.sql_counter, time.perf_counter()
        scheduled = Reminder._schedule(env['cobranza.reminder.rule'].search([]), company, now)
        cr.commit()
        schedule_seconds = time.perf_counter() - t0
        schedule_queries = sql_db.sql_counter - queries0
        _size, schedule_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        queries0, t0 = sql_db.sql_counter, time.perf_counter()
        Reminder._send_due(now, commit=True, limit=1000)
        send_seconds = time.perf_counter() - t0
        send_queries = sql_db.sql_counter - queries0
        _size, send_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        sent = Reminder.search_count([('state', '=', 'sent')])
        sms = env['sms.sms'].search_count([('state', '=', 'outgoing')])
        whatsapp = len(server.requests)
        figures['reminders'] = len(scheduled)
        figures['schedule'] = {
            'seconds': round(schedule_seconds, 2), 'per_second': round(len(scheduled) / schedule_seconds, 1),
            'queries': schedule_queries, 'queries_per_reminder': round(schedule_queries / max(len(scheduled), 1), 3),
            'peak_python_mb': round(schedule_peak / 2**20, 1)}
        figures['send'] = {
            'seconds': round(send_seconds, 2), 'per_second': round(sent / send_seconds, 1), 'sent': sent,
            'whatsapp_messages': whatsapp, 'sms_queued': sms, 'queries': send_queries,
            'queries_per_message': round(send_queries / max(sent, 1), 2),
            'peak_python_mb': round(send_peak / 2**20, 1)}
        figures['peak_rss_mb'] = round(peak_rss_mb(), 1)
    print(json.dumps(figures, indent=2))
    print(f"reminders: {figures['reminders']} scheduled in {figures['schedule']['seconds']} s; "
          f"{figures['send']['sent']} sent in {figures['send']['seconds']} s "
          f"({figures['send']['per_second']}/s, {figures['send']['queries_per_message']} queries/message, "
          f"{figures['send']['whatsapp_messages']} WhatsApp, {figures['send']['sms_queued']} SMS); "
          f"peak RSS {figures['peak_rss_mb']} MB")
    bench_json.merge('reminders', figures)
    if figures['send']['sent'] != figures['reminders']:
        print(f"ERROR: {figures['reminders']} reminders scheduled but {figures['send']['sent']} sent")
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
