"""Benchmark: match 10,000 bank statement lines against 100,000 open invoices.

Usage (what `make bench` runs):
    python bench/bench_bank_matching.py --odoo-src /opt/odoo19 --addons-path ... --db cobranza_bench_bank

It (re)creates the database, installs cobranza_mx_demo (the portfolio generator), generates the open
invoices with bench/generate.py (ORM templates cloned with set-based SQL), and creates the statement
lines the same way (untimed; ``generate.clone_statement_lines``: one line created with the ORM, the others
copies of its entry, its items and its statement line row, three INSERT ... SELECT; a sample is then
checked with the ORM): 40 % name an invoice number in the label and pay it exactly, 30 % carry
the customer's RFC (or partner) and pay an invoice net of ISR 10 % + IVA 10.6667 %, 30 % are noise.
(Created with the ORM in batches of 500, the 10,000 lines took 434 s.)
It then times ``cobranza.bank.match._match_company`` (reading the invoices and lines with SQL,
indexing, matching with the withholding solver, creating the proposals), prints the figures and, with
BENCH_JSON set, merges them into that JSON file under the key "bank_matching".
"""
import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import bench_json


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--odoo-src', default='/opt/odoo19')
    parser.add_argument('--addons-path', required=True)
    parser.add_argument('--db', default='cobranza_bench_bank')
    parser.add_argument('--db-args', default='')
    parser.add_argument('--invoices', type=int, default=100_000)
    parser.add_argument('--customers', type=int, default=20_000)
    parser.add_argument('--lines', type=int, default=10_000)
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--limit-seconds', type=float, default=30.0)
    parser.add_argument('--keep-db', action='store_true', help="reuse the database (and its data) if it exists")
    return parser.parse_args()


def install(args):
    db_args = args.db_args.split()
    subprocess.run(['dropdb', '--if-exists', args.db], check=True)
    subprocess.run([sys.executable, f'{args.odoo_src}/odoo-bin', f'--addons-path={args.addons_path}', *db_args,
                    '-d', args.db, '-i', 'cobranza_mx_demo', '--stop-after-init', '--log-level=warn', '--no-http',
                    '--max-cron-threads=0'], check=True)


def statement_lines(rnd, invoices, count):
    """``count`` statement lines (label, amount, partner id or 0) over ``invoices`` rows (id, name, partner, vat,
    residual, untaxed)."""
    from odoo.addons.cobranza_mx.tools.withholding import to_decimal, withholding_amount  # noqa: PLC0415

    picked = rnd.sample(invoices, min(count, len(invoices)))
    vals_list = []
    for i, (_move_id, name, partner_id, vat, residual, untaxed) in enumerate(picked[:count]):
        kind = i % 10
        if kind < 4:
            label, amount, partner = f"SPEI RECIBIDO PAGO FACTURA {name} REF {rnd.randint(10**6, 10**7)}", residual, 0
        elif kind < 7:
            base = to_decimal(untaxed)
            net = to_decimal(residual) - withholding_amount(base, 'isr_10') - withholding_amount(base, 'iva_2_3')
            label = f"DEPOSITO TRANSFERENCIA {vat}" if vat else "DEPOSITO TRANSFERENCIA"
            amount, partner = float(net), (0 if vat else partner_id)
        else:
            label, amount, partner = f"DEPOSITO EFECTIVO SUCURSAL {rnd.randint(1, 9999):04d}", \
                float(Decimal(rnd.randint(100, 10**6)) / 100), 0
        vals_list.append((label, float(amount), partner or 0))
    return vals_list


def main():
    args = parse_args()
    sys.path.insert(0, args.odoo_src)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if not args.keep_db:
        install(args)
    import odoo  # noqa: PLC0415
    from odoo import api, sql_db  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(['--addons-path', args.addons_path, *args.db_args.split(), '-d', args.db,
                         '--log-level=warn'])
    import generate  # noqa: PLC0415 - imports odoo

    registry = Registry(args.db)
    figures = {'invoices': args.invoices, 'lines': args.lines}
    rnd = random.Random(args.seed)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, dict(generate.QUIET))
        t0 = time.perf_counter()
        company = env['res.company'].search([('name', '=', generate.BENCH_COMPANY_NAME)], limit=1)
        if not company:
            company = generate.setup_company(env)
            env = env(context=dict(env.context, allowed_company_ids=company.ids))
            generate.generate(env, company, args.seed, args.customers, args.invoices, date(2026, 6, 15))
            cr.commit()
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        figures['generate_seconds'] = round(time.perf_counter() - t0, 1)
        journal = env['account.journal'].search([('type', '=', 'bank'), ('company_id', '=', company.id)], limit=1)
        Line = env['account.bank.statement.line'].with_company(company)
        existing = Line.search_count([('journal_id', '=', journal.id)])
        t0 = time.perf_counter()
        if existing < args.lines:
            cr.execute("""
                SELECT m.id, m.name, m.commercial_partner_id, COALESCE(p.vat, ''), m.amount_residual, m.amount_untaxed
                  FROM account_move m JOIN res_partner p ON p.id = m.commercial_partner_id
                 WHERE m.company_id = %s AND m.move_type = 'out_invoice' AND m.state = 'posted'
                   AND m.payment_state = 'not_paid' AND m.currency_id = %s ORDER BY m.id
            """, (company.id, company.currency_id.id))
            lines = statement_lines(rnd, cr.fetchall(), args.lines - existing)
            st_ids = generate.clone_statement_lines(env, journal, date(2026, 6, 20), lines)
            generate.verify_statement_lines(env, journal, date(2026, 6, 20), st_ids, lines)
            cr.commit()
        figures['statement_lines_seconds'] = round(time.perf_counter() - t0, 1)
        env['cobranza.bank.match'].search([('company_id', '=', company.id)]).unlink()
        env.invalidate_all()
        cr.execute("CHECKPOINT")
        queries0, t0 = sql_db.sql_counter, time.perf_counter()
        matches = env['cobranza.bank.match']._match_company(company, auto=False)
        env.flush_all()
        seconds = time.perf_counter() - t0
        figures['open_invoices'] = env['account.move'].search_count([
            ('company_id', '=', company.id), ('move_type', '=', 'out_invoice'),
            ('payment_state', 'in', ('not_paid', 'partial')), ('state', '=', 'posted')])
        figures['matching'] = {
            'seconds': round(seconds, 2), 'lines_per_second': round(args.lines / seconds, 1),
            'proposals': len(matches), 'queries': sql_db.sql_counter - queries0,
            'by_reference': len(matches.filtered(lambda m: m.confidence >= 50 and not m.withholding_label)),
            'net_of_withholdings': len(matches.filtered('withholding_label')),
        }
        cr.commit()
    figures['peak_rss_mb'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    print(json.dumps(figures, indent=2))
    print(f"bank matching: {args.lines} statement lines against {figures['open_invoices']} open invoices in "
          f"{figures['matching']['seconds']} s, {figures['matching']['proposals']} proposals "
          f"({figures['matching']['net_of_withholdings']} net of withholdings)")
    bench_json.merge('bank_matching', figures)
    if figures['matching']['seconds'] > args.limit_seconds:
        print(f"ERROR: bank matching took more than {args.limit_seconds} s")
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
