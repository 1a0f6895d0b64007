"""Benchmark: plan the reminders of 100,000 open invoices, then send 10,000 per channel through the real code.

Usage (what `make bench` runs):
    python bench/bench_reminders.py --odoo-src /opt/odoo19 --addons-path ... --db cobranza_bench_reminders

It (re)creates the database with cobranza_mx_demo, generates a Mexican company with 100,000 open
invoices (bench/generate.py: ORM templates cloned with SQL) and places them with the daily run. Then:

* ``plan_100k_seconds``: the scheduler's first pass over the 100,000 invoices with a weekly rule
  (every invoice is planned, the due reminders inserted) and ``plan_idle_seconds``, the next pass;
* per channel, 10,000 reminders of 10,000 debtors (one invoice each) sent by ``_send_due`` with the
  cron's commits: ``email_render`` (no invoice PDF stored: rendered, at most once each; ``--render``
  of them, wkhtmltopdf is slow), ``email_stored`` (the PDF Odoo keeps on the invoice), ``sms``,
  ``whatsapp`` (through a local Cloud API server answering after ``--latency`` s, at the upgraded
  tier of 1,000 messages/s) and ``whatsapp_80`` (the default limit of 80/s, the server refusing with
  130429 anything above it: ``throttled`` must be 0); keys ``per_second``, ``queries_per_message``,
  ``peak_rss_mb``;
* ``two_processes_speedup``: WhatsApp sent by one Odoo process, then by two at once on the same
  database (separate OS processes), with the ``duplicates`` the server received (must be 0).

With BENCH_JSON set, the figures are merged into that JSON file under the key "reminders".
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime

import bench_json

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
NOW = datetime(2026, 6, 16, 16, 0)  # 10:00 in Mexico City, 09:00 in Tijuana: inside every window
TODAY = date(2026, 6, 15)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--odoo-src', default='/opt/odoo19')
    parser.add_argument('--addons-path', required=True)
    parser.add_argument('--db', default='cobranza_bench_reminders')
    parser.add_argument('--invoices', type=int, default=100000, help="open invoices to plan")
    parser.add_argument('--customers', type=int, default=20000)
    parser.add_argument('--per-channel', type=int, default=10000, help="reminders (debtors) per channel")
    parser.add_argument('--render', type=int, default=1000, help="e-mails whose invoice PDF must be rendered")
    parser.add_argument('--at-80', type=int, default=2000, help="WhatsApp messages at the default 80/s limit")
    parser.add_argument('--latency', type=float, default=0.05, help="seconds the WhatsApp server takes to answer")
    parser.add_argument('--seed', type=int, default=7)
    parser.add_argument('--keep-db', action='store_true', help="reuse the database if it exists")
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    return parser.parse_args()


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def boot(args):
    sys.path.insert(0, args.odoo_src)
    sys.path.insert(0, BENCH_DIR)
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(['--addons-path', args.addons_path, '-d', args.db, '--log-level=warn'])
    return Registry(args.db)


def install(args):
    subprocess.run(['dropdb', '--if-exists', args.db], check=True)
    subprocess.run([sys.executable, f'{args.odoo_src}/odoo-bin', f'--addons-path={args.addons_path}', '-d', args.db,
                    '-i', 'cobranza_mx_demo', '--stop-after-init', '--log-level=warn', '--http-port=0'], check=True)


def send(env):
    """Send the due reminders as the cron does; (seconds, queries, messages handled)."""
    from odoo import sql_db  # noqa: PLC0415

    Reminder = env['cobranza.reminder']
    queries, started = sql_db.sql_counter, time.perf_counter()
    handled = Reminder._send_due(NOW, commit=True)
    return time.perf_counter() - started, sql_db.sql_counter - queries, handled


def worker(args):
    """One sending Odoo process (the two-process measurement): prints its figures as JSON."""
    registry = boot(args)
    import odoo  # noqa: PLC0415
    from odoo import api  # noqa: PLC0415

    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        seconds, queries, handled = send(env)
    print(json.dumps({'seconds': seconds, 'queries': queries, 'groups': handled, 'peak_rss_mb': peak_rss_mb()}))


def main():
    args = parse_args()
    if args.worker:
        return worker(args)
    if not args.keep_db:
        install(args)
    registry = boot(args)
    import generate  # noqa: PLC0415 - imports odoo
    import odoo  # noqa: PLC0415
    from odoo import api  # noqa: PLC0415

    from odoo.addons.cobranza_mx.tests.whatsapp_server import FakeWhatsAppServer  # noqa: PLC0415

    figures = {'invoices': args.invoices, 'per_channel': args.per_channel, 'latency_s': args.latency}
    with registry.cursor() as cr, FakeWhatsAppServer(token='bench-token', phone_number_id='1098765432',
                                                     latency=args.latency) as server:
        env = api.Environment(cr, odoo.SUPERUSER_ID, dict(generate.QUIET))
        t0 = time.perf_counter()
        company = env['res.company'].search([('name', '=', generate.BENCH_COMPANY_NAME)], limit=1)
        if not company:
            company = generate.setup_company(env)
            generate.generate(env, company, args.seed, args.customers, args.invoices, TODAY)
            cr.commit()
            env['cobranza.run']._run_for_company(company, run_date=TODAY)
        company.write({'cobranza_whatsapp_api_url': server.url, 'cobranza_whatsapp_token': 'bench-token',
                       'cobranza_whatsapp_phone_number_id': '1098765432', 'phone': '+52 81 8000 1234'})
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        policy = env.ref('cobranza_mx.policy_default')
        policy.reminder_daily_cap = 10  # the runs send several e-mails to the same debtors the same day
        env['cobranza.reminder.rule'].search([]).active = False
        cr.commit()
        figures['setup_seconds'] = round(time.perf_counter() - t0, 1)
        print(f"setup: {args.invoices:,} invoices in {figures['setup_seconds']} s", flush=True)

        figures.update(plan(env, company, policy))
        cr.commit()
        debtors = one_invoice_per_debtor(env, company, args.per_channel)
        rules = channel_rules(env, policy)
        cr.commit()
        render_moves = debtors[:args.render]
        figures['email_render'] = channel_run(env, company, rules['email'], 'email', render_moves)
        store_invoice_pdfs(env, [move_id for _partner, move_id in debtors])
        figures['email_stored'] = channel_run(env, company, rules['email'], 'email', debtors)
        figures['sms'] = channel_run(env, company, rules['sms'], 'sms', debtors)
        company.write({'cobranza_whatsapp_rate_limit': 1000, 'cobranza_whatsapp_concurrency': 8})
        figures['whatsapp'] = channel_run(env, company, rules['whatsapp'], 'whatsapp', debtors)
        figures['whatsapp']['duplicates'] = duplicates(server)
        server.reset()
        server.rate_limit = 80
        company.write({'cobranza_whatsapp_rate_limit': 80})
        figures['whatsapp_80'] = channel_run(env, company, rules['whatsapp'], 'whatsapp', debtors[:args.at_80])
        figures['whatsapp_80'].update(throttled=server.throttled, max_per_second=server.max_per_second(),
                                      duplicates=duplicates(server))
        server.reset()
        server.rate_limit = None
        company.write({'cobranza_whatsapp_rate_limit': 1000})
        figures['two_processes_speedup'] = two_processes(args, env, company, rules['whatsapp'], debtors, server)
    figures['peak_rss_mb'] = peak_rss_mb()
    print(json.dumps(figures, indent=2))
    print(summary(figures))
    bench_json.merge('reminders', figures)
    bad = [key for key in ('email_render', 'email_stored', 'sms', 'whatsapp', 'whatsapp_80')
           if figures[key]['sent'] != figures[key]['reminders']]
    if bad or figures['two_processes_speedup']['duplicates'] or figures['whatsapp_80']['throttled']:
        print(f"ERROR: not every reminder was sent exactly once ({', '.join(bad) or 'duplicates or throttled'})")
        return 1
    return 0


def plan(env, company, policy):
    """Time the scheduler's first pass over every open invoice, then an idle pass."""
    from odoo import sql_db  # noqa: PLC0415

    rule = env['cobranza.reminder.rule'].create({
        'name': 'Bench: weekly while overdue', 'policy_id': policy.id, 'offset_hours': 24,
        'repeat_interval_hours': 168, 'channel_email': True})
    rules = env['cobranza.reminder.rule'].search([('active', '=', True)])
    env.cr.commit()
    Reminder = env['cobranza.reminder']
    queries, started = sql_db.sql_counter, time.perf_counter()
    created = Reminder._schedule(rules, company, NOW)
    env.cr.commit()
    first = time.perf_counter() - started
    first_queries = sql_db.sql_counter - queries
    started = time.perf_counter()
    idle = Reminder._schedule(rules, company, NOW.replace(minute=15))
    idle_seconds = time.perf_counter() - started
    planned = env['account.move'].search_count([('company_id', '=', company.id),
                                                ('cobranza_reminder_next_at', '!=', False)])
    print(f"plan: {planned:,} invoices planned, {len(created):,} reminders in {first:.2f} s "
          f"({first_queries} queries); next pass {idle_seconds:.3f} s, {len(idle)} reminders", flush=True)
    env.cr.execute("DELETE FROM cobranza_reminder")
    rule.active = False
    env.cr.commit()
    return {'plan_100k_seconds': round(first, 2), 'plan_queries': first_queries, 'plan_reminders': len(created),
            'plan_invoices': planned, 'plan_idle_seconds': round(idle_seconds, 3)}


def one_invoice_per_debtor(env, company, count):
    """[(partner id, move id)] of ``count`` debtors with a valid phone, one open invoice each."""
    from odoo.tools import SQL  # noqa: PLC0415

    partners = env['res.partner'].search([('id', 'in', env['account.move'].search(
        [('company_id', '=', company.id), ('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),
         ('cobranza_policy_id', '!=', False)]).commercial_partner_id.ids)])
    # Inserted with SQL by the generator: compute their E.164 numbers as the ORM would have.
    env.add_to_compute(partners._fields['cobranza_phone_e164'], partners)
    partners._recompute_recordset(['cobranza_phone_e164'])
    env.flush_all()
    rows = env.execute_query(SQL(
        """SELECT DISTINCT ON (m.commercial_partner_id) m.commercial_partner_id, m.id
             FROM account_move m JOIN res_partner p ON p.id = m.commercial_partner_id
            WHERE %s AND m.cobranza_policy_id IS NOT NULL AND p.cobranza_phone_e164 IS NOT NULL
              AND p.email IS NOT NULL
            ORDER BY m.commercial_partner_id, m.id""", env['account.move']._cobranza_open_sql('m', company)))
    if len(rows) < count:
        raise SystemExit(f"only {len(rows)} debtors with a valid phone and an e-mail: ask for fewer")
    return rows[:count]


def channel_rules(env, policy):
    Rule = env['cobranza.reminder.rule']
    common = {'policy_id': policy.id, 'offset_hours': 0, 'active': False, 'channel_email': False}
    return {
        'email': Rule.create({**common, 'name': 'Bench: e-mail', 'channel_email': True}),
        'sms': Rule.create({**common, 'name': 'Bench: SMS', 'channel_sms': True,
                            'sms_body': '{company}: {partner}, {amount} due on {due_date}. '
                                        'Questions: {company_phone}'}),
        'whatsapp': Rule.create({**common, 'name': 'Bench: WhatsApp', 'channel_whatsapp': True,
                                 'whatsapp_template': 'recordatorio_previo'}),
    }


def insert_reminders(env, company, rule, channel, debtors):
    from odoo.tools import SQL  # noqa: PLC0415

    env.cr.execute("DELETE FROM cobranza_contact_log")
    env.cr.execute("DELETE FROM cobranza_reminder")
    env.cr.execute(SQL(
        """INSERT INTO cobranza_reminder (company_id, partner_id, account_id, move_id, rule_id, channel, occurrence,
                                          due_at, scheduled_at, state, attempt_count)
           SELECT %s, m.commercial_partner_id, m.cobranza_account_id, m.id, %s, %s, 0, %s, %s, 'scheduled', 0
             FROM account_move m WHERE m.id = ANY(%s)""",
        company.id, rule.id, channel, NOW, NOW, [move_id for _partner, move_id in debtors]))
    env.cr.commit()
    env.invalidate_all()


def channel_run(env, company, rule, channel, debtors):
    """Send one reminder to each of ``debtors`` through ``channel``: its figures."""
    insert_reminders(env, company, rule, channel, debtors)
    seconds, queries, _handled = send(env)
    sent = env['cobranza.reminder'].search_count([('state', '=', 'sent')])
    result = {'reminders': len(debtors), 'sent': sent, 'seconds': round(seconds, 2),
              'per_second': round(sent / seconds, 1), 'queries': queries,
              'queries_per_message': round(queries / max(sent, 1), 2), 'peak_rss_mb': peak_rss_mb()}
    print(f"{channel}: {sent:,}/{len(debtors):,} sent in {result['seconds']} s = {result['per_second']}/s, "
          f"{result['queries_per_message']} queries/message, peak RSS {result['peak_rss_mb']} MB", flush=True)
    return result


def store_invoice_pdfs(env, move_ids):
    """Each invoice gets the PDF Odoo keeps when it is sent (Send & Print): a copy of a real one."""
    sample = env['ir.attachment'].search([('res_model', '=', 'account.move'), ('mimetype', '=', 'application/pdf')],
                                         limit=1)
    raw = sample.raw if sample else b'%PDF-1.4\n%bench\n'
    moves = env['account.move'].browse(move_ids).filtered(lambda m: not m.invoice_pdf_report_id)
    for start in range(0, len(moves), 1000):
        env['ir.attachment'].create([{
            'name': f"{move.name.replace('/', '_')}.pdf", 'raw': raw, 'res_model': 'account.move',
            'res_id': move.id, 'res_field': 'invoice_pdf_report_file', 'mimetype': 'application/pdf',
        } for move in moves[start:start + 1000]])
    env.cr.commit()
    env.invalidate_all()


def duplicates(server):
    counts = Counter(request.body.get('biz_opaque_callback_data') for request in server.requests)
    return sum(count - 1 for count in counts.values() if count > 1)


def two_processes(args, env, company, rule, debtors, server):
    """WhatsApp by one Odoo process, then by two at once: the speedup and the duplicates (must be 0)."""
    timings = {}
    for processes in (1, 2):
        server.reset()
        insert_reminders(env, company, rule, 'whatsapp', debtors)
        command = [sys.executable, os.path.abspath(__file__), '--worker', '--odoo-src', args.odoo_src,
                   '--addons-path', args.addons_path, '--db', args.db]
        started = time.perf_counter()
        workers = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _i in range(processes)]
        outputs = [json.loads(worker_process.communicate()[0].strip().splitlines()[-1]) for worker_process in workers]
        timings[processes] = time.perf_counter() - started
        env.invalidate_all()
        sent = env['cobranza.reminder'].search_count([('state', '=', 'sent')])
        print(f"whatsapp with {processes} process(es): {sent:,} sent in {timings[processes]:.2f} s, "
              f"{duplicates(server)} duplicates, groups per process {[o['groups'] for o in outputs]}", flush=True)
    return {'one_process_seconds': round(timings[1], 2), 'two_processes_seconds': round(timings[2], 2),
            'speedup': round(timings[1] / timings[2], 2), 'duplicates': duplicates(server),
            'sent': len(server.requests)}


def summary(figures):
    return (f"reminders: plan of {figures['plan_invoices']:,} invoices {figures['plan_100k_seconds']} s; "
            + '; '.join(f"{key} {figures[key]['per_second']}/s ({figures[key]['queries_per_message']} q/msg)"
                        for key in ('email_render', 'email_stored', 'sms', 'whatsapp', 'whatsapp_80'))
            + f"; two processes {figures['two_processes_speedup']['speedup']}x; peak RSS {figures['peak_rss_mb']} MB")


if __name__ == '__main__':
    sys.exit(main())
