"""Benchmark: plan the reminders of 100,000 open invoices, then send 10,000 per channel through the real code.

Usage (what `make bench` runs):
    python bench/bench_reminders.py --odoo-src /opt/odoo19 --addons-path ... --db cobranza_bench_reminders

It (re)creates the database with cobranza_mx_demo, generates a Mexican company with 100,000 open
invoices (bench/generate.py: ORM templates cloned with SQL) and places them with the daily run. Then:

* ``plan_100k_seconds``: the scheduler's first pass over the 100,000 invoices with a weekly rule
  (every invoice is planned, the due reminders inserted) and ``plan_idle_seconds``, the next pass;
* per channel, 10,000 reminders of 10,000 debtors (one invoice each) sent by ``_send_due`` with the
  cron's commits, in an Odoo process of its own (its seconds, queries and peak RSS are that
  process's): ``email_render`` (no invoice PDF stored: rendered, at most once each; ``--render``
  of them, wkhtmltopdf is slow; a real Odoo HTTP server on the database serves the reports'
  assets to wkhtmltopdf through ``report.url``), ``email_kept`` (the same invoices again: the PDFs
  kept by the first run are reused, none rendered), ``email_stored`` (the PDF Odoo keeps on the
  invoice; every e-mail's ``pdfs`` check counts what was rendered and attached), ``sms``,
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
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
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


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


@contextmanager
def odoo_http_server(args, timeout=180):
    """A real Odoo HTTP server on the bench database, on a free port: its URL.

    wkhtmltopdf loads the report's stylesheets and images over HTTP from ``report.url`` (else
    ``web.base.url``), as it does in production from the Odoo server that renders; the bench's
    sending processes have no HTTP server of their own. No cron runs in it.
    """
    port = free_port()
    url = f'http://127.0.0.1:{port}'
    log_path = f'/tmp/{args.db}_http.log'
    with open(log_path, 'w', encoding='utf-8') as log:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, f'{args.odoo_src}/odoo-bin', f'--addons-path={args.addons_path}', '-d', args.db,
             f'--db-filter=^{args.db}$', '--http-interface=127.0.0.1', f'--http-port={port}',
             '--max-cron-threads=0', '--log-level=warn'], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the Odoo HTTP server stopped (exit {process.returncode}), see {log_path}")
            try:
                # The login page loads the database's registry: the renders do not pay for it.
                with urllib.request.urlopen(f'{url}/web/login', timeout=30) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the Odoo HTTP server did not answer in {timeout} s, see {log_path}") from None
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def send(env):
    """Send the due reminders as the cron does; (seconds, queries, messages handled)."""
    from odoo import sql_db  # noqa: PLC0415

    Reminder = env['cobranza.reminder']
    queries, started = sql_db.sql_counter, time.perf_counter()
    handled = Reminder._send_due(NOW, commit=True)
    return time.perf_counter() - started, sql_db.sql_counter - queries, handled


def worker(args):
    """One sending Odoo process (each channel's run, and the two-process measurement): prints its figures as JSON."""
    registry = boot(args)
    import odoo  # noqa: PLC0415
    from odoo import api  # noqa: PLC0415

    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        env['cobranza.reminder'].search_count([])  # the registry and the cursor are ready
        cr.commit()
        # Booted: wait for the go (several processes start sending together).
        print('ready', flush=True)
        sys.stdin.readline()
        started_at = time.time()
        seconds, queries, handled = send(env)
        ended_at = time.time()
    print(json.dumps({'seconds': seconds, 'queries': queries, 'groups': handled, 'peak_rss_mb': peak_rss_mb(),
                      'started_at': started_at, 'ended_at': ended_at}))


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
            cr.commit()
            # What autovacuum keeps up to date in production: the planner's statistics of what was generated.
            from scenarios import _vacuum_analyze  # noqa: PLC0415 - imports odoo
            _vacuum_analyze(args.db, ('res_partner', 'account_move', 'account_move_line'))
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
        with odoo_http_server(args) as http_url:
            env['ir.config_parameter'].set_param('report.url', http_url)
            cr.commit()
            print(f"Odoo HTTP server for the reports' assets: {http_url}", flush=True)
            before = pdf_counts(env, render_moves)
            figures['email_render'] = channel_run(args, env, company, rules['email'], 'email', render_moves)
            figures['email_render']['pdfs'] = rendered = pdf_check(env, render_moves, before)
            # The same invoices again: the PDFs this add-on kept are reused, none rendered.
            before = pdf_counts(env, render_moves)
            figures['email_kept'] = channel_run(args, env, company, rules['email'], 'email', render_moves)
            figures['email_kept']['pdfs'] = kept = pdf_check(env, render_moves, before)
        store_invoice_pdfs(env, [move_id for _partner, move_id in debtors])
        before = pdf_counts(env, debtors)
        figures['email_stored'] = channel_run(args, env, company, rules['email'], 'email', debtors)
        figures['email_stored']['pdfs'] = stored = pdf_check(env, debtors, before)
        figures['sms'] = channel_run(args, env, company, rules['sms'], 'sms', debtors)
        company.write({'cobranza_whatsapp_rate_limit': 1000, 'cobranza_whatsapp_concurrency': 8})
        cr.commit()
        figures['whatsapp'] = channel_run(args, env, company, rules['whatsapp'], 'whatsapp', debtors)
        figures['whatsapp'].update(duplicates=duplicates(server), server_received=len(server.requests),
                                   max_per_second=server.max_per_second(), throttled=server.throttled)
        server.reset()
        server.rate_limit = 80
        company.write({'cobranza_whatsapp_rate_limit': 80})
        cr.commit()
        figures['whatsapp_80'] = channel_run(args, env, company, rules['whatsapp'], 'whatsapp', debtors[:args.at_80])
        figures['whatsapp_80'].update(throttled=server.throttled, max_per_second=server.max_per_second(),
                                      duplicates=duplicates(server), server_received=len(server.requests))
        server.reset()
        server.rate_limit = None
        company.write({'cobranza_whatsapp_rate_limit': 1000})
        cr.commit()
        figures['two_processes_speedup'] = two_processes(args, env, company, rules['whatsapp'], debtors, server)
    pdf_errors = [f"{name}: {check}" for name, check, rendered_expected in (
        ('email_render', rendered, len(render_moves)), ('email_kept', kept, 0), ('email_stored', stored, 0))
        if check['rendered'] != rendered_expected or check['rendered_invoices'] != rendered_expected
        or check['attached'] != check['mails'] or check['attached_wrong'] or not check['is_pdf']
        or (name == 'email_stored' and check['attached_odoo_stored'] != check['attached'])]
    figures['peak_rss_mb'] = peak_rss_mb()
    print(json.dumps(figures, indent=2))
    print(summary(figures))
    bench_json.merge('reminders', figures)
    bad = [key for key in ('email_render', 'email_kept', 'email_stored', 'sms', 'whatsapp', 'whatsapp_80')
           if figures[key]['sent'] != figures[key]['reminders']]
    if bad or figures['two_processes_speedup']['duplicates'] or figures['whatsapp']['duplicates'] \
            or figures['whatsapp_80']['throttled'] or figures['whatsapp_80']['duplicates']:
        print(f"ERROR: not every reminder was sent exactly once ({', '.join(bad) or 'duplicates or throttled'})")
        return 1
    if pdf_errors:
        print(f"ERROR: invoice PDFs not rendered exactly once or not reused: {'; '.join(pdf_errors)}")
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
    planned = env['cobranza.reminder.plan'].search_count([('move_id.company_id', '=', company.id)])
    print(f"plan: {planned:,} invoices planned, {len(created):,} reminders in {first:.2f} s "
          f"({first_queries} queries); next pass {idle_seconds:.3f} s, {len(idle)} reminders", flush=True)
    env.cr.execute("DELETE FROM cobranza_contact_log")
    env.cr.execute("DELETE FROM cobranza_reminder")
    rule.active = False
    env.cr.commit()
    from scenarios import _vacuum_analyze  # noqa: PLC0415 - imports odoo
    _vacuum_analyze(env.cr.dbname, ('account_move', 'cobranza_reminder', 'cobranza_reminder_plan'))
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


def run_workers(args, count=1):
    """Send what is due in ``count`` new Odoo processes (the cron's code, its commits), started together:
    the figures of each."""
    command = [sys.executable, os.path.abspath(__file__), '--worker', '--odoo-src', args.odoo_src,
               '--addons-path', args.addons_path, '--db', args.db]
    processes = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # pylint: disable=consider-using-with
                                  text=True) for _i in range(count)]
    for process in processes:
        line = process.stdout.readline()
        if line.strip() != 'ready':
            raise SystemExit(f"a sending process did not start: {line!r}")
    for process in processes:
        process.stdin.write('go\n')
        process.stdin.flush()
    outputs = []
    for process in processes:
        output = process.communicate()[0]
        if process.returncode:
            raise SystemExit(f"a sending process failed (exit {process.returncode})")
        outputs.append(json.loads(output.strip().splitlines()[-1]))
    return outputs


def channel_run(args, env, company, rule, channel, debtors):
    """Send one reminder to each of ``debtors`` through ``channel``, in an Odoo process of its own: its figures.

    Seconds and queries are those of ``_send_due`` in that process, its peak RSS that process's.
    """
    insert_reminders(env, company, rule, channel, debtors)
    output, = run_workers(args)
    env.invalidate_all()
    sent = env['cobranza.reminder'].search_count([('state', '=', 'sent')])
    states = dict(Counter(env['cobranza.reminder'].search([]).mapped('state')))
    seconds, queries = output['seconds'], output['queries']
    result = {'reminders': len(debtors), 'sent': sent, 'states': states, 'seconds': round(seconds, 2),
              'per_second': round(sent / seconds, 1), 'queries': queries,
              'queries_per_message': round(queries / max(sent, 1), 2), 'peak_rss_mb': output['peak_rss_mb']}
    print(f"{channel}: {sent:,}/{len(debtors):,} sent in {result['seconds']} s = {result['per_second']}/s, "
          f"{result['queries_per_message']} queries/message, peak RSS {result['peak_rss_mb']} MB {states}", flush=True)
    return result


def pdf_counts(env, debtors):
    """(PDFs this add-on kept, invoices with one) among the invoices of ``debtors``."""
    from odoo.tools import SQL  # noqa: PLC0415

    return env.execute_query(SQL(
        """SELECT count(*), count(DISTINCT res_id) FROM ir_attachment
            WHERE res_model = 'account.move' AND res_id = ANY(%s) AND mimetype = 'application/pdf'
              AND description LIKE 'cobranza_mx invoice PDF%%'""", [move_id for _partner, move_id in debtors]))[0]


def pdf_check(env, debtors, before):
    """How the run's e-mails got their invoice PDFs: rendered (kept, once per invoice) or reused."""
    from odoo.tools import SQL  # noqa: PLC0415

    kept, kept_invoices = pdf_counts(env, debtors)
    # Each e-mail of the run carries the PDF of its own invoice: Odoo's when stored, else this add-on's.
    (mails, attached, attached_wrong, attached_odoo), = env.execute_query(SQL(
        """SELECT count(DISTINCT r.mail_id), count(rel.attachment_id),
                  count(rel.attachment_id) FILTER (WHERE a.res_id != r.move_id OR a.mimetype != 'application/pdf'),
                  count(rel.attachment_id) FILTER (WHERE a.res_field = 'invoice_pdf_report_file')
             FROM cobranza_reminder r
             JOIN mail_mail mm ON mm.id = r.mail_id
             LEFT JOIN message_attachment_rel rel ON rel.message_id = mm.mail_message_id
             LEFT JOIN ir_attachment a ON a.id = rel.attachment_id
            WHERE r.state = 'sent'"""))
    sample = env['ir.attachment'].search([('res_model', '=', 'account.move'),
                                          ('res_id', 'in', [move_id for _partner, move_id in debtors]),
                                          ('mimetype', '=', 'application/pdf')], limit=1, order='id desc')
    check = {'rendered': kept - before[0], 'rendered_invoices': kept_invoices - before[1], 'mails': mails,
             'attached': attached, 'attached_wrong': attached_wrong, 'attached_odoo_stored': attached_odoo,
             'is_pdf': bool(sample) and sample.raw[:5] == b'%PDF-', 'sample_bytes': len(sample.raw or b'')}
    print(f"  invoice PDFs: {check}", flush=True)
    return check


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
    """WhatsApp by one Odoo process, then by two at once: the speedup and the duplicates (must be 0).

    Each process boots, then all start sending together; the time is from the first start to the
    last end of ``_send_due``.
    """
    timings, result = {}, {}
    for processes in (1, 2):
        server.reset()
        insert_reminders(env, company, rule, 'whatsapp', debtors)
        outputs = run_workers(args, processes)
        timings[processes] = max(o['ended_at'] for o in outputs) - min(o['started_at'] for o in outputs)
        env.invalidate_all()
        sent = env['cobranza.reminder'].search_count([('state', '=', 'sent')])
        result[f'sent_{processes}'] = sent
        result[f'queries_{processes}'] = sum(o['queries'] for o in outputs)
        result[f'peak_rss_mb_{processes}'] = max(o['peak_rss_mb'] for o in outputs)
        print(f"whatsapp with {processes} process(es): {sent:,} sent in {timings[processes]:.2f} s, "
              f"{duplicates(server)} duplicates, {len(server.requests)} requests received, "
              f"groups per process {[o['groups'] for o in outputs]}", flush=True)
    result.update({'one_process_seconds': round(timings[1], 2), 'two_processes_seconds': round(timings[2], 2),
                   'speedup': round(timings[1] / timings[2], 2), 'duplicates': duplicates(server),
                   'server_received': len(server.requests), 'max_per_second': server.max_per_second(),
                   'throttled': server.throttled})
    return result


def summary(figures):
    return (f"reminders: plan of {figures['plan_invoices']:,} invoices {figures['plan_100k_seconds']} s; "
            + '; '.join(f"{key} {figures[key]['per_second']}/s ({figures[key]['queries_per_message']} q/msg)"
                        for key in ('email_render', 'email_kept', 'email_stored', 'sms', 'whatsapp', 'whatsapp_80'))
            + f"; two processes {figures['two_processes_speedup']['speedup']}x; peak RSS {figures['peak_rss_mb']} MB")


if __name__ == '__main__':
    sys.exit(main())
