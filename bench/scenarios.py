"""The timed part of `make bench`, in one Odoo process on an installed database.

Order: set up the company and its collection team, generate the portfolio, verify it, then
time our daily run three (or four) times, the SQL floor and OCA's credit control run. Every
scenario commits, as the cron does.
"""
import cProfile
import gc
import io
import pstats
from datetime import timedelta

import generate
import psycopg2
import references
from measure import Measure
from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.modules.registry import Registry
from odoo.tools import SQL

MOVED_SHARE = 0.10


def run_benchmark(args, log=print):
    """Generate the data and time every scenario; return the results as a dict."""
    registry = Registry(args.db)
    results = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        with Measure('setup', 0) as setup:
            company, team = _setup(env, args)
            cr.commit()
        log(f"Company {company.name} (id {company.id}) with the mx chart: {setup.seconds:.1f} s")
        results['generation'], results['sizes'] = _generate(env, registry, company, args, log)
        results['sizes']['collectors'] = len(team[0])

        first = _timed_run(env, company, 'first_run', args.date, args, results, log, profile=args.profile)
        _check_first_run(env, company, first)
        results['first_run_actions'] = _timed_actions(env, args, log)
        _timed_run(env, company, 'idle_run', args.date, args, results, log)
        moved = generate.shift_due_dates(env, company.id, MOVED_SHARE, args.seed)
        cr.commit()
        log(f"Moved the due date of {moved:,} invoices ({moved / args.invoices:.0%}) one day earlier")
        _timed_run(env, company, 'moved_10pct_run', args.date, args, results, log, note=f'{moved} invoices moved')
        last_date = args.date
        if args.next_day:
            last_date = args.date + timedelta(days=1)
            _timed_run(env, company, 'next_day_run', last_date, args, results, log,
                       note='run of the next day: every invoice is one day older')

        results['sql_floor'] = _sql_floor(env, args, company, last_date, log)
        if not args.skip_oca:
            results['oca_credit_control'] = _oca(env, args, company, log)
    results['ratios'] = _ratios(results)
    return results


def _generate(env, registry, company, args, log):
    """Generate and verify the portfolio: ``(generation figures, sizes)``."""
    with Measure('generation', args.invoices) as generation:
        sizes = generate.generate(env, company, args.seed, args.customers, args.invoices, args.date)
        env.cr.commit()
    generation.extra['steps'] = sizes['steps']
    with Measure('vacuum', 0) as vacuum:
        _vacuum_analyze(args.db, ('res_partner', 'account_move', 'account_move_line'))
    generation.extra['vacuum_analyze_seconds'] = round(vacuum.seconds, 2)
    log(f"Generated {sizes['invoices']:,} invoices ({sizes['template_invoices']} created with the ORM) "
        f"over {sizes['customers']:,} customers in {generation.seconds:.1f} s "
        f"(+ {vacuum.seconds:.1f} s VACUUM ANALYZE); steps: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sizes['steps'].items()))

    check = generate.verify(registry, company.id, args.invoices, sizes['sample_clone_ids'])
    for line in check.get('sample', []):
        log(f"  {line}")
    if check.get('sample_partner'):
        log(f"  {check['sample_partner']}")
    if check['problems']:
        raise RuntimeError("The generated invoices are not right:\n" + "\n".join(check['problems']))
    log(f"  ORM and SQL checks passed: {check['open_invoices']:,} open invoices, "
        f"{check['move_lines']:,} journal items, residual {check['residual_total']:,.2f} MXN")
    histogram = generate.days_overdue_histogram(env, company.id, args.date)
    log("  Aging: " + ", ".join(f"{key} {count:,}" for key, count in histogram.items()))
    return generation.as_dict(), {
        'invoices': sizes['invoices'],
        'customers': sizes['customers'],
        'move_lines': check['move_lines'],
        'template_invoices': sizes['template_invoices'],
        'usd_invoices': sizes['usd_invoices'],
        'aging': histogram,
        'run_date': args.date.isoformat(),
        'seed': args.seed,
        'batch_size': env['cobranza.run']._batch_size(),
        'workers': env['cobranza.run']._worker_count(),
        'variant': ', '.join(name for name, on in (('no tracking', args.no_tracking),
                                                 ('no stage actions', args.no_stage_actions)) if on),
    }


def _setup(env, args):
    company = generate.setup_company(env)
    collectors, supervisor = generate.create_collection_team(env, company)
    if args.batch_size:
        env['ir.config_parameter'].set_param('cobranza_mx.run_batch_size', args.batch_size)
    if args.workers:
        env['ir.config_parameter'].set_param('cobranza_mx.run_workers', args.workers)
    # Everyone's accounts are balanced over the collectors; the stage actions (activities on
    # entering extrajudicial, judicial, uncollectable) fall back on the supervisor when an
    # account has no collector yet, as on a first run.
    env['cobranza.assignment.rule'].create({
        'name': 'Toda la cartera',
        'company_id': company.id,
        'collector_ids': [Command.set(collectors.ids)],
    })
    env['cobranza.stage.action'].search([]).write({'activity_user_id': supervisor.id})
    if args.no_stage_actions:
        env['cobranza.stage.action'].search([]).active = False
    return company, (collectors, supervisor)


def _vacuum_analyze(db, tables, full=False):
    """VACUUM (FULL: rewrite compact) cannot run in a transaction: use a separate autocommit connection."""
    _autocommit(db, [SQL("VACUUM %s ANALYZE %s", SQL("FULL") if full else SQL(), SQL.identifier(table)).code
                     for table in tables])


def _checkpoint(db):
    """Write every dirty page now, so that no timed scenario pays for the writes of what came before it.

    CHECKPOINT needs a superuser or the pg_checkpoint role; without them the scenario runs anyway.
    """
    try:
        _autocommit(db, ["CHECKPOINT"])
    except psycopg2.Error as error:
        print(f"(no CHECKPOINT before the scenario: {error.pgerror or error})", flush=True)


def _autocommit(db, statements):
    _dbname, info = sql_db.connection_info_for(db)
    connection = psycopg2.connect(**info)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def _timed_run(env, company, name, run_date, args, results, log, profile=None, note=''):
    env.invalidate_all()
    gc.collect()
    _checkpoint(args.db)
    Run = env['cobranza.run'].with_context(tracking_disable=True) if args.no_tracking else env['cobranza.run']
    profiler = cProfile.Profile() if profile else None
    with Measure(name, args.invoices, note=note + (' (under cProfile)' if profiler else '')) as measure:
        if profiler:
            profiler.enable()
        run = Run._run_for_company(company, trigger='cron', run_date=run_date, commit=True)
        if profiler:
            profiler.disable()
    if name != 'first_run':
        # The stage actions of the other runs are few; execute them so that the next run starts clean.
        env['cobranza.stage.action']._process_queue(commit=True)
    measure.items = run.evaluated_count or args.invoices
    measure.extra.update({
        'state': run.state,
        'evaluated': run.evaluated_count,
        'stage_changes': run.changed_count,
        'accounts_updated': run.account_count,
        'stage_actions': run.queued_action_count,
        'errors': run.error_count,
        'run_date': run_date.isoformat(),
    })
    results[name] = measure.as_dict()
    log(f"{name}: {measure.seconds:.2f} s, {measure.queries:,} queries, {run.evaluated_count:,} evaluated, "
        f"{run.changed_count:,} stage changes, {run.account_count:,} accounts updated, "
        f"{run.queued_action_count:,} stage actions queued, {run.error_count} errors, state {run.state}")
    if profiler:
        _print_profile(profiler, profile, log)
    return run


def _check_first_run(env, company, run):
    """The batches placed on several connections must add up: every open invoice placed, each change once.

    On a first run every invoice in a stage entered it from none: one history row each.
    """
    [(unplaced, staged, history, moves)] = env.execute_query(SQL(
        """
        WITH open AS (
            SELECT m.cobranza_account_id, m.cobranza_policy_id, m.cobranza_stage_id FROM account_move m
             WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice' AND m.state = 'posted'
               AND m.amount_residual > 0
        )
        SELECT (SELECT count(*) FROM open WHERE cobranza_account_id IS NULL OR cobranza_policy_id IS NULL),
               (SELECT count(*) FROM open WHERE cobranza_stage_id IS NOT NULL),
               count(*), count(DISTINCT move_id)
          FROM cobranza_stage_history WHERE run_id = %(run)s
        """, company=company.id, run=run.id))
    if run.state != 'done' or unplaced or history != moves or history != staged:
        raise RuntimeError(f"The first run is not right: state {run.state}, {unplaced} open invoices without "
                           f"account or policy, {staged} in a stage, {history} history rows for {moves} invoices")


def _timed_actions(env, args, log):
    """Time the stage actions cron on what the first run queued (activities for the accounts' collectors)."""
    env.invalidate_all()
    gc.collect()
    Account = env['cobranza.account'].with_context(active_test=False)
    queued = Account.search_count([('action_stage_id', '!=', False)])
    activities_before = env['mail.activity'].search_count([])
    _checkpoint(args.db)
    with Measure('first_run_actions', queued, note='stage actions cron after the first run') as measure:
        env['cobranza.stage.action']._process_queue(commit=True)
    created = env['mail.activity'].search_count([]) - activities_before
    measure.extra.update({'queued_accounts': queued, 'activities': created})
    log(f"first_run_actions: {measure.seconds:.2f} s for {queued:,} queued accounts, {created:,} activities, "
        f"{measure.queries:,} queries")
    return measure.as_dict()


def _print_profile(profiler, path, log):
    profiler.dump_stats(path)
    for sort in ('cumulative', 'tottime'):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats(sort).print_stats(30)
        log(f"--- cProfile of the first run, by {sort} (full stats in {path}) ---")
        log(stream.getvalue())


def _sql_floor(env, args, company, run_date, log):
    """Time the single UPDATE after saving what the run wrote; compare and restore afterwards."""
    policy = env.ref('cobranza_mx.policy_default')
    references.save_stages(env, company.id)
    env.cr.commit()
    # The first run found account_move as generated: compact, every page full, so that each new
    # row version goes to a new page. The floor gets the same table, not one with the free space
    # that the runs before it left behind.
    _vacuum_analyze(args.db, ('account_move',), full=True)
    _checkpoint(args.db)
    note = 'one UPDATE ... FROM thresholds: the stage, on a compact table like the first run'
    with Measure('sql_floor', args.invoices, note=note) as measure:
        rows = references.floor_update(env, company.id, policy.id, run_date)
        env.cr.commit()
    mismatches = references.compare_and_restore_stages(env)
    env.cr.commit()
    measure.extra.update({'rows': rows, 'disagreements_with_run': mismatches, 'run_date': run_date.isoformat()})
    log(f"sql_floor: {measure.seconds:.2f} s for {rows:,} rows; invoices where it disagrees with our run: "
        f"{mismatches}")
    return measure.as_dict()


def _oca(env, args, company, log):
    policy = references.setup_credit_control(env, company, env.ref('cobranza_mx.policy_default').stage_ids)
    credit_run = references.create_credit_control_run(env, company, policy, args.date)
    env.cr.commit()
    env.invalidate_all()
    gc.collect()
    _checkpoint(args.db)
    levels = ', '.join(f"{level.level}: {level.delay_days} d" for level in policy.level_ids)
    with Measure('oca_credit_control', args.invoices, note=f'credit.control.run, net_days levels {levels}') as measure:
        credit_run.generate_credit_lines()
        env.cr.commit()
    measure.extra.update({'lines': references.credit_control_summary(env, credit_run)})
    log(f"oca_credit_control: {measure.seconds:.2f} s, {measure.queries:,} queries, lines {measure.extra['lines']}")
    return measure.as_dict()


def _ratios(results):
    first = results.get('first_run', {}).get('seconds')
    floor = results.get('sql_floor', {}).get('seconds')
    oca = results.get('oca_credit_control', {}).get('seconds')
    return {
        'oca_over_first_run': round(oca / first, 2) if oca and first else None,
        'first_run_over_sql_floor': round(first / floor, 2) if first and floor else None,
    }
