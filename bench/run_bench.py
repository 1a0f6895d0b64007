"""`make bench`: the daily collection run of cobranza_mx on 100,000 open invoices.

1. (Re)create the database (its name must start with ``cobranza_bench``) and install
   cobranza_mx_demo (the portfolio generator, which brings cobranza_mx) and OCA's
   account_credit_control 19.0. The OCA module is downloaded from PyPI into a directory
   outside the repository (``--oca-addons-dir``): it is a reference, never part of this project.
2. In this one process: generate the portfolio (bench/generate.py: ORM templates cloned with SQL),
   time the first run, an idle run, a run after 10 % of the invoices moved a day (and the next
   day's run), the SQL floor and OCA's credit control run (bench/scenarios.py).
3. Print a table and the ratios; write them as JSON to ``$BENCH_JSON`` when it is set.

Quick try: ``python bench/run_bench.py --odoo-src /opt/odoo19 --addons-path ... --quick``.
"""
import argparse
import ast
import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

import bench_json

OCA_MODULE = 'account_credit_control'
OCA_VERSION = '19.0.*'
DEFAULT_OCA_DIR = '/tmp/cobranza_bench_addons'
DEFAULT_DATE = date(2026, 6, 30)
TARGETS = {
    'first_run_seconds': 30.0,
    'idle_run_seconds': 5.0,
    'oca_over_first_run': 10.0,
    'first_run_over_sql_floor': 3.0,
}
PG_OPTIONS = {'--db_host': 'host', '--db_port': 'port', '--db_user': 'user', '--db_password': 'password'}
SCENARIOS = ('generation', 'first_run', 'first_run_actions', 'idle_run', 'moved_10pct_run', 'next_day_run', 'sql_floor',
             'oca_credit_control')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--odoo-src', required=True, help="Odoo 19.0 source (the directory of odoo-bin)")
    parser.add_argument('--addons-path', required=True, help="addons path with cobranza_mx and cobranza_mx_demo")
    parser.add_argument('--db', default='cobranza_bench', help="database, dropped and created again")
    parser.add_argument('--db-args', default='', help="e.g. '--db_host=127.0.0.1 --db_port=5432 --db_user=odoo'")
    parser.add_argument('--invoices', type=int, default=100000)
    parser.add_argument('--customers', type=int, default=20000)
    parser.add_argument('--quick', action='store_true', help="5,000 invoices over 1,000 customers")
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--date', type=date.fromisoformat, default=DEFAULT_DATE,
                        help="date of the first run; the data is aged as of it (default %(default)s)")
    parser.add_argument('--batch-size', type=int, default=0, help="cobranza_mx.run_batch_size (default: module's)")
    parser.add_argument('--workers', type=int, default=0,
                        help="cobranza_mx.run_workers: batches placed at the same time (default: module's)")
    parser.add_argument('--oca-addons-dir', default=DEFAULT_OCA_DIR)
    parser.add_argument('--skip-oca', action='store_true', help="no OCA reference")
    parser.add_argument('--no-next-day', dest='next_day', action='store_false',
                        help="skip the extra run of the next day")
    parser.add_argument('--profile', metavar='FILE', help="run the first run under cProfile, stats to FILE")
    what_if = parser.add_argument_group(
        "what-if experiments", "change the module's behaviour to see where the time goes; not the benchmark")
    what_if.add_argument('--no-tracking', action='store_true',
                         help="run with tracking_disable in the context (no chatter tracking of assignments)")
    what_if.add_argument('--no-stage-actions', action='store_true', help="deactivate the stage actions")
    parser.add_argument('--json', default=os.environ.get('BENCH_JSON'), help="write the figures here ($BENCH_JSON)")
    args = parser.parse_args(argv)
    if args.quick:
        args.invoices, args.customers = 5000, 1000
    if not args.db.startswith('cobranza_bench'):
        parser.error("the benchmark database name must start with 'cobranza_bench' (it is dropped)")
    if args.customers < 1 or args.invoices < args.customers:
        parser.error("need at least one customer and at least as many invoices as customers")
    return args


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    db_args = shlex.split(args.db_args)
    addons_path = args.addons_path
    modules = ['cobranza_mx_demo']  # the portfolio generator; it brings cobranza_mx
    if not args.skip_oca:
        addons_path += ',' + ensure_oca_addons(args.oca_addons_dir, args.addons_path)
        modules.append(OCA_MODULE)
    drop_database(args.db, db_args)
    install_started = time.perf_counter()
    install(args, addons_path, db_args, modules)
    install_seconds = time.perf_counter() - install_started
    print(f"Installed {', '.join(modules)} in {args.db}: {install_seconds:.0f} s", flush=True)

    scenarios = boot_odoo(args.odoo_src, addons_path, db_args, args.db)
    results = scenarios.run_benchmark(args, log=lambda text: print(text, flush=True))
    results['sizes']['install_seconds'] = round(install_seconds, 1)
    results['sizes']['total_seconds'] = round(time.perf_counter() - started, 1)
    print_report(results)
    if args.json:
        write_json(args.json, results)
        print(f"Figures written to {args.json}")
    return 0


def write_json(path, results):
    """Write the figures, keeping the keys other benchmarks (bench_reminders.py) merged into the file."""
    path = Path(path)
    figures = bench_json.read(path)
    for name in SCENARIOS:
        figures.pop(name, None)
    figures.update(results)
    path.write_text(json.dumps(figures, indent=2, default=str) + '\n', encoding='utf-8')


# ---------------------------------------------------------------------------------------------
# Database and modules
# ---------------------------------------------------------------------------------------------
def ensure_oca_addons(target, addons_path):
    """Unpack OCA's module (and any OCA module it depends on) from PyPI wheels into ``target``."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    pending, done = [OCA_MODULE], set()
    while pending:
        module = pending.pop()
        done.add(module)
        if not (target / module / '__manifest__.py').exists():
            _download_module(module, target)
        manifest = ast.literal_eval((target / module / '__manifest__.py').read_text(encoding='utf-8'))
        for dependency in manifest.get('depends', []):
            if dependency not in done and not _module_available(dependency, [*addons_path.split(','), str(target)]):
                pending.append(dependency)
    return str(target)


def _module_available(module, paths):
    return any(Path(path, module, '__manifest__.py').exists() for path in paths if path)


def _download_module(module, target):
    package = f"odoo-addon-{module.replace('_', '-')}=={OCA_VERSION}"
    print(f"Downloading {package} from PyPI into {target} (bench only, not part of the repository)", flush=True)
    with tempfile.TemporaryDirectory(prefix='cobranza_bench_') as tmp:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps', '--dest', tmp, package],
                       check=True)
        [wheel] = glob.glob(os.path.join(tmp, '*.whl'))
        prefix = f'odoo/addons/{module}/'
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.startswith(prefix) and not member.endswith('/'):
                    destination = target / module / member[len(prefix):]
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(archive.read(member))


def drop_database(db, db_args):
    """Drop ``db``, closing its connections; odoo-bin creates it again."""
    import psycopg2  # noqa: PLC0415 - in Odoo's virtualenv, imported where it is used

    params = {'dbname': 'postgres'}
    for arg in db_args:
        key, _sep, value = arg.partition('=')
        if key in PG_OPTIONS and value:
            params[PG_OPTIONS[key]] = value
    connection = psycopg2.connect(**params)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        connection.close()


def install(args, addons_path, db_args, modules):
    cmd = [
        sys.executable, os.path.join(args.odoo_src, 'odoo-bin'), f'--addons-path={addons_path}', *db_args,
        '-d', args.db, '-i', ','.join(modules), '--stop-after-init', '--no-http', '--max-cron-threads=0',
        '--log-level=warn',
    ]
    print('$', shlex.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def boot_odoo(odoo_src, addons_path, db_args, db):
    """Configure Odoo in this process and import the benchmark modules that need it."""
    sys.path.insert(0, odoo_src)
    from odoo.tools import config  # noqa: PLC0415 - odoo is importable only from --odoo-src

    config.parse_config([f'--addons-path={addons_path}', *db_args, '-d', db, '--log-level=warn',
                         '--log-handler=odoo.addons.cobranza_mx.models.cobranza_run:INFO',
                         '--max-cron-threads=0', '--no-http'], setup_logging=True)
    import scenarios  # noqa: PLC0415 - imports odoo and odoo.addons.cobranza_mx, so after the configuration

    return scenarios


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
def print_report(results):
    sizes = results['sizes']
    print()
    if sizes.get('variant'):
        print(f"WHAT-IF VARIANT ({sizes['variant']}): not the benchmark's figures")
    print(f"cobranza_mx daily run benchmark: {sizes['invoices']:,} open invoices, {sizes['customers']:,} customers, "
          f"{sizes['move_lines']:,} journal items, run date {sizes['run_date']}, batch {sizes['batch_size']}, "
          f"{sizes['workers']} workers")
    header = f"{'scenario':<20} {'seconds':>9} {'invoices/s':>11} {'queries':>9} {'peak RSS MB':>12} " \
             f"{'RSS +MB':>8}  notes"
    print(header)
    print('-' * len(header))
    for name in SCENARIOS:
        row = results.get(name)
        if not row:
            continue
        notes = row.get('note', '')
        if 'stage_changes' in row:
            notes = (f"{row['stage_changes']:,} stage changes, {row['accounts_updated']:,} accounts, "
                     f"{row['stage_actions']:,} actions queued, {row['errors']} errors"
                     + (f"; {notes}" if notes else ''))
        elif 'activities' in row:
            notes = (f"{row['queued_accounts']:,} queued accounts, {row['activities']:,} activities; "
                     f"{notes}")
        elif 'lines' in row:
            notes = f"lines {row['lines']}; {notes}"
        per_second = f"{row['per_second']:,.0f}" if row.get('per_second') else '-'
        print(f"{name:<20} {row['seconds']:>9.2f} {per_second:>11} {row['queries']:>9,} {row['peak_rss_mb']:>12,.0f} "
              f"{row['rss_growth_mb']:>8,.0f}  {notes}")
    ratios = results['ratios']
    checks = [
        ('first run', results.get('first_run', {}).get('seconds'), '<', TARGETS['first_run_seconds'], 's'),
        ('idle run', results.get('idle_run', {}).get('seconds'), '<', TARGETS['idle_run_seconds'], 's'),
        ('OCA / first run', ratios.get('oca_over_first_run'), '>=', TARGETS['oca_over_first_run'], 'x'),
        ('first run / SQL floor', ratios.get('first_run_over_sql_floor'), '<=', TARGETS['first_run_over_sql_floor'],
         'x'),
    ]
    print()
    for label, value, operator, target, unit in checks:
        if value is None:
            print(f"{label:<24} n/a")
            continue
        ok = value < target if operator == '<' else value >= target if operator == '>=' else value <= target
        print(f"{label:<24} {value:>8.2f} {unit}   target {operator} {target:g} {unit}   {'OK' if ok else 'MISSED'}")
    print("Peak RSS: whole-process resident memory sampled every 10 ms with psutil during the scenario; "
          "RSS +MB: its growth over the start of the scenario.")


if __name__ == '__main__':
    sys.exit(main())
