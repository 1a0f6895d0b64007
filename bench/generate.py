"""Fast generation of the benchmark portfolio: a few real invoices cloned with set-based SQL.

Creating 100,000 invoices with the ORM takes hours, so:

1. the debtors and invoices come from the demo generator of cobranza_mx_demo (a seeded, pure
   Python portfolio: RFCs, phones, addresses, invoices spread over every aging bucket);
2. the debtors are inserted into ``res_partner`` with ``INSERT ... SELECT FROM unnest`` (two
   statements, see :func:`insert_partners`);
3. a few dozen of the invoices, chosen across the range of amounts of each currency, are created
   and posted with the ORM (16 % VAT of the Mexican chart): these are the templates;
4. every other invoice is a copy of the template of its currency whose total is nearest to its
   own, with its own number, customer, dates and due date: one ``INSERT ... SELECT`` for
   ``account_move``, one for ``account_move_line`` and one per many2many table of the lines.
   Every column is copied from the template unless it is overridden below, so columns added by
   other modules come along.

The clones are posted and unpaid: ``amount_residual`` equals ``amount_total``. The generator's
partial payments and credit notes are left out (they need payments and reconciliations), and a
clone's amount is its template's, not the generated one (at 100,000 invoices the template is
within 0.8 % of the generated amount for half of the invoices, 6 % for 90 %, 43 % for 99 %: the
tails of the distribution have few templates). :func:`verify` checks the result with the ORM.
"""
import bisect
import logging
import math
import re
import time
from collections import defaultdict

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL, email_normalize

from odoo.addons.cobranza_mx_demo.tools.portfolio import generate_portfolio

_logger = logging.getLogger(__name__)

BENCH_COMPANY_NAME = 'Distribuidora Benchmark del Bajío S.A. de C.V.'
# Templates per currency: enough to follow the distribution of amounts closely.
TEMPLATES_PER_CURRENCY = {'MXN': 60, 'USD': 8}
# Partners inserted before the statistics of res_partner are refreshed (see insert_partners).
FIRST_CHUNK = 500
QUIET = {'tracking_disable': True, 'mail_create_nolog': True, 'mail_notrack': True, 'no_reset_password': True}
# Share of the generated documents that are credit notes (tools/portfolio.py CREDIT_NOTE_SHARE),
# only used to ask for a few more documents so that exactly ``n_invoices`` invoices remain.
CREDIT_NOTE_ALLOWANCE = 0.021


# ---------------------------------------------------------------------------------------------
# Coupling with the demo generator of cobranza_mx_demo: the only functions that know its API.
# ---------------------------------------------------------------------------------------------
def setup_company(env):
    """The Mexican company of the benchmark, with the mx chart of accounts (and USD rates)."""
    return env['cobranza.portfolio.generator']._setup_mexican_company(BENCH_COMPANY_NAME)


def portfolio(seed, n_customers, n_invoices, today):
    """``(debtors, invoices)`` dicts of ``tools.portfolio``: exactly ``n_invoices`` customer invoices."""
    count = n_invoices + math.ceil(n_invoices * CREDIT_NOTE_ALLOWANCE) + 1
    while True:
        generated = generate_portfolio(seed, n_customers, count, today)
        invoices = [document for document in generated['invoices'] if document['move_type'] == 'out_invoice']
        if len(invoices) >= n_invoices:
            return generated['debtors'], invoices[:n_invoices]
        count += n_invoices - len(invoices)


def create_template_invoices(env, company, documents, partners):
    """Create and post ``documents`` with the ORM, as the demo does; the moves in their order."""
    generator = env['cobranza.portfolio.generator'].with_company(company).with_context(**QUIET)
    currencies = {'MXN': company.currency_id}
    if any(document['currency'] == 'USD' for document in documents):
        currencies['USD'] = generator._ensure_usd(company, min(d['invoice_date'] for d in documents))
    return generator._create_invoices(company, documents, partners, currencies)


def create_collection_team(env, company):
    """The demo collectors and supervisor of ``company``: ``(collectors, supervisor)``."""
    users, _passwords = env['cobranza.portfolio.generator']._create_demo_users(company)
    collector_group = env.ref('cobranza_mx.group_cobranza_collector')
    supervisor_group = env.ref('cobranza_mx.group_cobranza_supervisor')
    supervisors = users.filtered(lambda user: supervisor_group in user.all_group_ids)
    collectors = users.filtered(lambda user: collector_group in user.all_group_ids) - supervisors
    return collectors, supervisors[:1] or collectors[:1]


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------
def generate(env, company, seed, n_customers, n_invoices, today):
    """Create the customers and the posted open invoices in ``company`` (not committed).

    :return: dict of sizes, the seconds of each step and the ids of samples
    """
    steps = {}
    started = time.perf_counter()

    def step(name):
        nonlocal started
        now = time.perf_counter()
        steps[name] = round(now - started, 2)
        started = now

    debtors, invoices = portfolio(seed, n_customers, n_invoices, today)
    step('portfolio_dicts')
    partner_ids = insert_partners(env, debtors)
    step('partners_sql')
    templates, template_of = choose_templates(invoices)
    partners = env['res.partner'].browse(partner_ids)
    template_moves = create_template_invoices(env, company, [invoices[i] for i in templates], partners)
    if any(move.payment_state != 'not_paid' or move.state != 'posted' for move in template_moves):
        raise RuntimeError("The template invoices must be posted and unpaid")
    env.flush_all()
    step('template_invoices_orm')
    move_of_template = dict(zip(templates, template_moves.ids, strict=True))
    clones = [i for i in range(len(invoices)) if i not in move_of_template]
    clone_ids = clone_invoices(env, [
        (move_of_template[template_of[i]], partner_ids[invoices[i]['debtor']], debtors[invoices[i]['debtor']]['name'],
         invoices[i]['invoice_date'], invoices[i]['due_date'])
        for i in clones
    ])
    env.invalidate_all()
    step('clones_sql')
    return {
        'steps': steps,
        'customers': len(partner_ids),
        'invoices': len(invoices),
        'template_invoices': len(template_moves),
        'usd_invoices': sum(1 for invoice in invoices if invoice['currency'] != 'MXN'),
        'template_ids': template_moves.ids,
        'sample_clone_ids': clone_ids[:: max(1, len(clone_ids) // 7)][:8],
        'partner_ids': partner_ids,
    }


def reserve_ids(env, table, count):
    """Reserve ``count`` consecutive ids of ``table``'s sequence; return them."""
    [(last,)] = env.execute_query(SQL(
        "SELECT setval(pg_get_serial_sequence(%(t)s, 'id'), nextval(pg_get_serial_sequence(%(t)s, 'id')) + %(n)s - 1)",
        t=table, n=count))
    return list(range(last - count + 1, last + 1))


def insert_partners(env, debtors):
    """Insert the debtors as companies and individuals with set-based SQL; their ids in order."""
    ids = reserve_ids(env, 'res_partner', len(debtors))
    mexico = env.ref('base.mx')
    states = dict(env.execute_query(SQL(
        "SELECT code, id FROM res_country_state WHERE country_id = %s", mexico.id)))
    lang = 'es_MX' if 'es_MX' in dict(env['res.lang'].get_installed()) else None
    segments = {True: env.ref('cobranza_mx.segment_commercial').id, False: env.ref('cobranza_mx.segment_consumer').id}
    columns = {
        'id': ('int4', ids),
        'name': ('varchar', [d['name'] for d in debtors]),
        'is_company': ('bool', [d['is_company'] for d in debtors]),
        'ref': ('varchar', [d['ref'] for d in debtors]),
        'vat': ('varchar', [d['vat'] for d in debtors]),
        'phone': ('varchar', [d['phone'] for d in debtors]),
        'email': ('varchar', [d['email'] for d in debtors]),
        'email_normalized': ('varchar', [email_normalize(d['email']) for d in debtors]),
        'street': ('varchar', [d['street'] for d in debtors]),
        'street2': ('varchar', [d['street2'] for d in debtors]),
        'city': ('varchar', [d['city'] for d in debtors]),
        'zip': ('varchar', [d['zip'] for d in debtors]),
        'state_id': ('int4', [states.get(d['state_code']) for d in debtors]),
        'tz': ('varchar', [d['tz'] for d in debtors]),
        'partner_latitude': ('numeric', [d['latitude'] for d in debtors]),
        'partner_longitude': ('numeric', [d['longitude'] for d in debtors]),
        'cobranza_segment_id': ('int4', [segments[d['is_company']] for d in debtors]),
    }
    names = list(columns)
    # A first small chunk, then ANALYZE: the foreign key check of commercial_partner_id (a
    # reference to the table itself) would otherwise keep the sequential-scan plan made when the
    # table had a handful of rows, and check each new row by scanning all the rows before it.
    first = min(len(ids), FIRST_CHUNK)
    for chunk in (slice(0, first), slice(first, len(ids))):
        if chunk.start == chunk.stop:
            continue
        env.execute_query(SQL(
            """
            INSERT INTO res_partner (
                %(names)s, complete_name, commercial_partner_id, commercial_company_name, phone_sanitized,
                country_id, lang, customer_rank, supplier_rank, type, active, partner_share, employee,
                autopost_bills, message_bounce, create_uid, write_uid, create_date, write_date)
            SELECT %(names)s, u.name, u.id, CASE WHEN u.is_company THEN u.name END, u.phone,
                   %(country)s, %(lang)s, 1, 0, 'contact', TRUE, TRUE, FALSE,
                   'ask', 0, %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM unnest(%(arrays)s) AS u(%(names)s)
            """,
            names=SQL(', ').join(SQL.identifier(name) for name in names),
            arrays=SQL(', ').join(SQL("%s::%s[]", values[chunk], SQL(sql_type))
                                  for sql_type, values in columns.values()),
            country=mexico.id, lang=lang, uid=env.uid,
        ))
        env.execute_query(SQL("ANALYZE res_partner"))
    return ids


def choose_templates(invoices):
    """Pick the template invoices and the template of every invoice.

    Per currency, the templates are the invoices at evenly spaced ranks of the totals, so the
    amounts follow the generated distribution; every other invoice takes the template whose total
    is nearest on a log scale.

    :return: (indexes of the templates, {invoice index: template index})
    """
    by_currency = defaultdict(list)
    for index, invoice in enumerate(invoices):
        by_currency[invoice['currency']].append((_untaxed(invoice), index))
    templates, template_of = [], {}
    for currency, items in sorted(by_currency.items()):
        items.sort()
        count = min(len(items), TEMPLATES_PER_CURRENCY.get(currency, 4))
        picks = sorted({items[round(k * (len(items) - 1) / max(count - 1, 1))] for k in range(count)})
        templates += [index for _amount, index in picks]
        logs = [math.log(max(amount, 0.01)) for amount, _index in picks]
        for amount, index in items:
            position = bisect.bisect_left(logs, math.log(max(amount, 0.01)))
            candidates = [p for p in (position - 1, position) if 0 <= p < len(picks)]
            nearest = min(candidates, key=lambda p: abs(logs[p] - math.log(max(amount, 0.01))))
            template_of[index] = picks[nearest][1]
    return templates, template_of


def _untaxed(invoice):
    return sum(line['quantity'] * line['price_unit'] for line in invoice['lines'])


def clone_invoices(env, clones):
    """Insert copies of template invoices; ``clones`` are (template move id, partner id, partner name,
    invoice date, due date). Names continue each journal's yearly sequence. Return the new ids.
    """
    if not clones:
        return []
    ids = reserve_ids(env, 'account_move', len(clones))
    names, prefixes, numbers = _sequence_names(env, clones)
    columns = list(zip(*clones, strict=True))
    env.execute_query(SQL(
        """
        CREATE TEMP TABLE bench_clone ON COMMIT DROP AS
        SELECT * FROM unnest(%s::int4[], %s::int4[], %s::int4[], %s::varchar[], %s::date[], %s::date[],
                             %s::varchar[], %s::varchar[], %s::int4[])
                   AS u(id, template_id, partner_id, partner_name, invoice_date, due_date, name, prefix, number)
        """,
        ids, *[list(column) for column in columns], names, prefixes, numbers,
    ))
    env.execute_query(SQL("ALTER TABLE bench_clone ADD PRIMARY KEY (id); ANALYZE bench_clone"))
    now = SQL("now() at time zone 'UTC'")
    move_overrides = {
        'id': SQL("c.id"),
        'name': SQL("c.name"),
        'sequence_prefix': SQL("c.prefix"),
        'sequence_number': SQL("c.number"),
        'payment_reference': SQL("c.name"),
        'partner_id': SQL("c.partner_id"),
        'commercial_partner_id': SQL("c.partner_id"),
        'partner_shipping_id': SQL("c.partner_id"),
        'invoice_partner_display_name': SQL("c.partner_name"),
        'date': SQL("c.invoice_date"),
        'invoice_date': SQL("c.invoice_date"),
        'invoice_date_due': SQL("c.due_date"),
        'access_token': SQL("NULL"),
        'message_main_attachment_id': SQL("NULL"),
        'inalterable_hash': SQL("NULL"),
        'secure_sequence_number': SQL("NULL"),
        'sending_data': SQL("NULL"),
        'is_move_sent': SQL("FALSE"),
        'create_date': now,
        'write_date': now,
    }
    _insert_copy(env, 'account_move', move_overrides, SQL(
        "FROM bench_clone c JOIN account_move t ON t.id = c.template_id"),
        reset_prefix='cobranza_')

    # One row per line to create: its new id next to the template line it copies.
    [(line_count,)] = env.execute_query(SQL(
        "SELECT count(*) FROM bench_clone c JOIN account_move_line l ON l.move_id = c.template_id"))
    first_line_id = reserve_ids(env, 'account_move_line', line_count)[0]
    env.execute_query(SQL(
        """
        CREATE TEMP TABLE bench_line_map ON COMMIT DROP AS
        SELECT %s - 1 + row_number() OVER (ORDER BY c.id, l.id) AS id, l.id AS template_line_id, c.id AS move_id
          FROM bench_clone c JOIN account_move_line l ON l.move_id = c.template_id;
        ALTER TABLE bench_line_map ADD PRIMARY KEY (id);
        ANALYZE bench_line_map
        """, first_line_id))
    line_overrides = {
        'id': SQL("m.id"),
        'move_id': SQL("m.move_id"),
        'move_name': SQL("c.name"),
        'name': SQL("CASE WHEN t.name = t.move_name THEN c.name ELSE t.name END"),
        'partner_id': SQL("CASE WHEN t.partner_id IS NOT NULL THEN c.partner_id END"),
        'date': SQL("c.invoice_date"),
        'invoice_date': SQL("c.invoice_date"),
        'date_maturity': SQL("CASE WHEN t.date_maturity IS NOT NULL THEN c.due_date END"),
        'matching_number': SQL("NULL"),
        'full_reconcile_id': SQL("NULL"),
        'create_date': now,
        'write_date': now,
    }
    _insert_copy(env, 'account_move_line', line_overrides, SQL(
        "FROM bench_line_map m JOIN bench_clone c ON c.id = m.move_id "
        "JOIN account_move_line t ON t.id = m.template_line_id"))
    for table, column1, column2 in _many2many_tables(env, 'account.move.line'):
        env.execute_query(SQL(
            "INSERT INTO %(table)s (%(c1)s, %(c2)s) SELECT m.id, r.%(c2)s FROM bench_line_map m "
            "JOIN %(table)s r ON r.%(c1)s = m.template_line_id",
            table=SQL.identifier(table), c1=SQL.identifier(column1), c2=SQL.identifier(column2)))
    return ids


def _sequence_names(env, clones):
    """Names of the clones: the templates' journal prefix with the clone's year, numbered by date."""
    template_ids = sorted({clone[0] for clone in clones})
    rows = env.execute_query(SQL(
        "SELECT id, journal_id, sequence_prefix, date FROM account_move WHERE id IN %s", tuple(template_ids)))
    template_info = {row[0]: row[1:] for row in rows}
    prefix_of = {}

    def prefix(template_id, year):
        journal_id, template_prefix, template_date = template_info[template_id]
        key = (journal_id, year)
        if key not in prefix_of:
            prefix_of[key] = template_prefix.replace(str(template_date.year), str(year))
        return prefix_of[key]

    prefixes = [prefix(clone[0], clone[3].year) for clone in clones]
    last_number = defaultdict(int)
    last_number.update({(journal_id, p): n for journal_id, p, n in env.execute_query(SQL(
        "SELECT journal_id, sequence_prefix, max(sequence_number) FROM account_move "
        "WHERE sequence_prefix IN %s GROUP BY journal_id, sequence_prefix", tuple(set(prefixes))))})
    numbers = [0] * len(clones)
    for position in sorted(range(len(clones)), key=lambda p: (clones[p][3], p)):
        key = (template_info[clones[position][0]][0], prefixes[position])
        last_number[key] += 1
        numbers[position] = last_number[key]
    names = [f'{p}{n:05d}' for p, n in zip(prefixes, numbers, strict=True)]
    if not all(re.search(r'\d{4}', p) for p in set(prefixes)):
        _logger.warning("Journal prefixes without a year: %s", sorted(set(prefixes)))
    return names, prefixes, numbers


def _columns(env, table):
    return [name for (name,) in env.execute_query(SQL(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position", table))]


def _insert_copy(env, table, overrides, from_clause, reset_prefix=None):
    """``INSERT INTO table`` every column copied from alias ``t`` unless overridden (or reset to NULL)."""
    columns = _columns(env, table)
    values = []
    for column in columns:
        if column in overrides:
            values.append(overrides[column])
        elif reset_prefix and column.startswith(reset_prefix):
            values.append(SQL("NULL"))
        else:
            values.append(SQL.identifier('t', column))
    env.execute_query(SQL(
        "INSERT INTO %s (%s) SELECT %s %s",
        SQL.identifier(table), SQL(', ').join(SQL.identifier(c) for c in columns), SQL(', ').join(values),
        from_clause))


def _many2many_tables(env, model):
    return env.execute_query(SQL(
        """
        SELECT DISTINCT f.relation_table, f.column1, f.column2
          FROM ir_model_fields f
         WHERE f.model = %s AND f.ttype = 'many2many' AND f.store AND f.relation_table IS NOT NULL
        """, model))


# ---------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------
AMOUNT_FIELDS = ('amount_untaxed', 'amount_tax', 'amount_total', 'amount_residual', 'amount_untaxed_signed',
                 'amount_tax_signed', 'amount_total_signed', 'amount_residual_signed')


def verify(registry, company_id, expected_invoices, sample_ids):
    """Check the generated invoices with SQL totals and with the ORM on a sample; return a summary.

    Runs in its own cursor, rolled back: recomputing stored fields must leave no trace.
    """
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Move = env['account.move'].with_company(company_id)
        summary = dict(zip(('open_invoices', 'residual_total', 'move_lines'), env.execute_query(SQL(
            """
            SELECT count(*), sum(amount_residual_signed),
                   (SELECT count(*) FROM account_move_line l JOIN account_move m2 ON m2.id = l.move_id
                     WHERE m2.company_id = %(c)s AND m2.move_type = 'out_invoice')
              FROM account_move m
             WHERE m.company_id = %(c)s AND m.move_type = 'out_invoice' AND m.state = 'posted'
               AND m.payment_state = 'not_paid' AND m.amount_residual > 0
            """, c=company_id))[0], strict=True))
        problems = []
        if summary['open_invoices'] != expected_invoices:
            problems.append(f"{summary['open_invoices']} open invoices instead of {expected_invoices}")
        [(unbalanced,)] = env.execute_query(SQL(
            "SELECT count(*) FROM (SELECT move_id FROM account_move_line WHERE company_id = %s "
            "GROUP BY move_id HAVING round(sum(balance), 2) <> 0) u", company_id))
        if unbalanced:
            problems.append(f"{unbalanced} unbalanced moves")
        [(line_residual,)] = env.execute_query(SQL(
            "SELECT sum(l.amount_residual) FROM account_move_line l JOIN account_account a ON a.id = l.account_id "
            "WHERE l.company_id = %s AND a.account_type = 'asset_receivable' AND l.parent_state = 'posted'",
            company_id))
        if round(line_residual - summary['residual_total'], 2):
            problems.append(f"receivable lines residual {line_residual} != invoices {summary['residual_total']}")
        [(duplicates,)] = env.execute_query(SQL(
            "SELECT count(*) - count(DISTINCT (journal_id, name)) FROM account_move WHERE company_id = %s",
            company_id))
        if duplicates:
            problems.append(f"{duplicates} duplicate invoice names")

        moves = Move.browse(sample_ids)
        stored = {move.id: {name: move[name] for name in AMOUNT_FIELDS} for move in moves}
        for move in moves:
            receivable = move.line_ids.filtered(lambda line: line.account_id.account_type == 'asset_receivable')
            checks = {
                'state': move.state == 'posted',
                'payment_state': move.payment_state == 'not_paid',
                'residual': move.amount_residual == move.amount_total > 0,
                'receivable_line': len(receivable) == 1 and receivable.date_maturity == move.invoice_date_due
                                   and move.currency_id.compare_amounts(receivable.amount_residual_currency,
                                                                        move.amount_residual) == 0,
                'tax_totals': move.currency_id.compare_amounts(
                    move.tax_totals['total_amount_currency'], move.amount_total) == 0,
                'partner': move.partner_id.commercial_partner_id == move.commercial_partner_id,
                'name': move.name.startswith(move.sequence_prefix),
            }
            problems += [f"{move.name}: {name}" for name, ok in checks.items() if not ok]
        fields = [Move._fields[name] for name in AMOUNT_FIELDS]
        with env.protecting(fields, moves):
            moves._compute_amount()
            for move in moves:
                for name in AMOUNT_FIELDS:
                    if move.currency_id.compare_amounts(move[name], stored[move.id][name]):
                        problems.append(f"{move.name}: {name} {stored[move.id][name]} but Odoo computes {move[name]}")
        partner = moves[:1].partner_id
        if partner:
            total_due = sum(Move.search([('partner_id', '=', partner.id), ('move_type', '=', 'out_invoice'),
                                         ('amount_residual', '>', 0)]).mapped('amount_residual_signed'))
            summary['sample_partner'] = f"{partner.name} ({partner.vat}) owes {total_due:,.2f}"
        summary['sample'] = [
            f"{m.name} {m.partner_id.name[:30]} due {m.invoice_date_due} {m.currency_id.name} {m.amount_residual:,.2f}"
            for m in moves[:4]]
        cr.rollback()
    summary['problems'] = problems
    return summary


def days_overdue_histogram(env, company_id, today):
    """Open invoices per aging bucket as of ``today``, to show the spread of the generated data."""
    rows = env.execute_query(SQL(
        """
        SELECT CASE WHEN d <= 0 THEN 'not_due' WHEN d <= 30 THEN '1_30' WHEN d <= 60 THEN '31_60'
                    WHEN d <= 90 THEN '61_90' WHEN d <= 180 THEN '91_180' WHEN d <= 365 THEN '181_365'
                    ELSE '365_plus' END, count(*)
          FROM (SELECT %(today)s::date - invoice_date_due AS d FROM account_move
                 WHERE company_id = %(c)s AND move_type = 'out_invoice' AND state = 'posted'
                   AND amount_residual > 0) s
         GROUP BY 1
        """, today=today, c=company_id))
    order = ['not_due', '1_30', '31_60', '61_90', '91_180', '181_365', '365_plus']
    counts = dict(rows)
    return {key: counts.get(key, 0) for key in order}


def shift_due_dates(env, company_id, share, seed):
    """Move ``share`` of the open invoices one day further past due (due date one day earlier).

    The invoices are picked by a seeded hash of their number, so the choice is stable. Returns how many.
    """
    threshold = round(share * 10000)
    rows = env.execute_query(SQL(
        """
        WITH picked AS (
            UPDATE account_move m
               SET invoice_date_due = m.invoice_date_due - 1
             WHERE m.company_id = %(c)s AND m.move_type = 'out_invoice' AND m.state = 'posted'
               AND m.amount_residual > 0
               AND abs(hashtext(m.name || ':' || %(seed)s::text)) %% 10000 < %(threshold)s
         RETURNING m.id
        )
        UPDATE account_move_line l SET date_maturity = l.date_maturity - 1
          FROM picked WHERE l.move_id = picked.id AND l.date_maturity IS NOT NULL
        RETURNING l.move_id
        """, c=company_id, seed=seed, threshold=threshold))
    env.invalidate_all()
    return len({row[0] for row in rows})



# ---------------------------------------------------------------------------------------------
# Bank statement lines (bench/bench_bank_matching.py)
# ---------------------------------------------------------------------------------------------
# The template statement line: an amount and a label that no other column of its entry holds by chance.
TEMPLATE_LINE_AMOUNT = 987654.31
TEMPLATE_LINE_LABEL = 'COBRANZA BENCH TEMPLATE STATEMENT LINE'
CLONED_TABLES = ('account_move', 'account_bank_statement_line', 'account_move_line')


def clone_statement_lines(env, journal, st_date, lines):
    """Insert bank statement lines of ``journal`` on ``st_date``; ``lines`` are (label, amount, partner id or 0).

    One line is created with the ORM (the template: its entry with the liquidity and suspense items); every
    other line is a copy of its three tables' rows (one ``INSERT ... SELECT`` each): every column is copied
    unless it holds the template's amount (then the line's amount, with its sign), its label (the line's
    label) or is one of the keys, partner, number and index columns set below, so that columns added by
    other modules come along. Return the ids of the new statement lines (the template is removed).
    """
    if not lines:
        return []
    StLine = env['account.bank.statement.line'].with_company(journal.company_id)
    template = StLine.create({'journal_id': journal.id, 'date': st_date, 'payment_ref': TEMPLATE_LINE_LABEL,
                              'amount': TEMPLATE_LINE_AMOUNT})
    env.flush_all()
    move = template.move_id
    prefix, first = move.sequence_prefix, move.sequence_number
    # The clones take the template's number and the next ones: the template, removed at the end, is renamed.
    env.execute_query(SQL("UPDATE account_move SET name = %s WHERE id = %s", f'{TEMPLATE_LINE_LABEL} {move.id}',
                          move.id))
    env.invalidate_all()
    numbers = [first + i for i in range(len(lines))]
    names = [f'{prefix}{number:05d}' for number in numbers]
    move_ids = reserve_ids(env, 'account_move', len(lines))
    st_ids = reserve_ids(env, 'account_bank_statement_line', len(lines))
    labels, amounts, partners = (list(column) for column in zip(*lines, strict=True))
    env.execute_query(SQL(
        """
        CREATE TEMP TABLE bench_st_clone ON COMMIT DROP AS
        SELECT * FROM unnest(%s::int4[], %s::int4[], %s::varchar[], %s::numeric[], %s::int4[], %s::varchar[],
                             %s::int4[])
                   AS u(move_id, st_id, label, amount, partner_id, name, number);
        UPDATE bench_st_clone SET partner_id = NULL WHERE partner_id = 0;
        ALTER TABLE bench_st_clone ADD PRIMARY KEY (st_id);
        ANALYZE bench_st_clone
        """, move_ids, st_ids, labels, amounts, partners, names, numbers))
    now = SQL("now() at time zone 'UTC'")
    max_int = 2147483647
    keys = {
        'account_move': {
            # The entry and its statement line refer to each other: the entry's link is set once both exist.
            'id': SQL("c.move_id"), 'statement_line_id': SQL("NULL"), 'name': SQL("c.name"),
            'sequence_number': SQL("c.number"), 'partner_id': SQL("c.partner_id"),
            'commercial_partner_id': SQL("c.partner_id"), 'access_token': SQL("NULL"),
            'inalterable_hash': SQL("NULL"), 'secure_sequence_number': SQL("NULL"),
            'made_sequence_gap': SQL("FALSE"),
        },
        'account_bank_statement_line': {
            'id': SQL("c.st_id"), 'move_id': SQL("c.move_id"), 'partner_id': SQL("c.partner_id"),
            'internal_index': SQL("to_char(m.date, 'YYYYMMDD') || lpad((%s - t.sequence)::text, 10, '0') "
                                  "|| lpad(c.st_id::text, 10, '0')", max_int),
            'reconcile_data': SQL("NULL"),  # OCA account_reconcile_oca's proposal of the template
        },
        'account_move_line': {
            'id': SQL("m.id"), 'move_id': SQL("c.move_id"), 'statement_line_id': SQL("c.st_id"),
            'move_name': SQL("c.name"), 'partner_id': SQL("c.partner_id"),
        },
    }
    sources = {
        'account_move': SQL("FROM bench_st_clone c CROSS JOIN account_move t WHERE t.id = %s", move.id),
        'account_bank_statement_line': SQL(
            "FROM bench_st_clone c CROSS JOIN account_bank_statement_line t JOIN account_move m ON m.id = t.move_id "
            "WHERE t.id = %s", template.id),
    }
    [(item_count,)] = env.execute_query(SQL("SELECT count(*) FROM account_move_line WHERE move_id = %s", move.id))
    first_item = reserve_ids(env, 'account_move_line', item_count * len(lines))[0]
    env.execute_query(SQL(
        """
        CREATE TEMP TABLE bench_st_item_map ON COMMIT DROP AS
        SELECT %s - 1 + row_number() OVER (ORDER BY c.st_id, l.id) AS id, l.id AS template_item_id, c.st_id
          FROM bench_st_clone c CROSS JOIN account_move_line l WHERE l.move_id = %s;
        ALTER TABLE bench_st_item_map ADD PRIMARY KEY (id);
        ANALYZE bench_st_item_map
        """, first_item, move.id))
    sources['account_move_line'] = SQL(
        "FROM bench_st_item_map m JOIN bench_st_clone c ON c.st_id = m.st_id "
        "JOIN account_move_line t ON t.id = m.template_item_id")
    for table in CLONED_TABLES:
        overrides = {column: _substitution(column, data_type) for column, data_type in _column_types(env, table)}
        overrides.update(keys[table], create_date=now, write_date=now)
        _insert_copy(env, table, overrides, sources[table])
        if table == 'account_bank_statement_line':
            env.execute_query(SQL(
                "UPDATE account_move m SET statement_line_id = c.st_id FROM bench_st_clone c WHERE m.id = c.move_id"))
    for table, column1, column2 in _many2many_tables(env, 'account.move.line'):
        env.execute_query(SQL(
            "INSERT INTO %(table)s (%(c1)s, %(c2)s) SELECT m.id, r.%(c2)s FROM bench_st_item_map m "
            "JOIN %(table)s r ON r.%(c1)s = m.template_item_id",
            table=SQL.identifier(table), c1=SQL.identifier(column1), c2=SQL.identifier(column2)))
    template.unlink()
    env.flush_all()
    env.invalidate_all()
    # Odoo caches the last number of each sequence in the transaction (sequence.mixin): the clones took more.
    env.cr.cache.pop('sequence.mixin', None)
    return st_ids


def _column_types(env, table):
    return env.execute_query(SQL(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position", table))


def _substitution(column, data_type):
    """The template's column, with its amount and its label replaced by the clone's."""
    col = SQL.identifier('t', column)
    if data_type in ('numeric', 'double precision'):
        return SQL("CASE WHEN %(c)s = %(a)s THEN c.amount WHEN %(c)s = -%(a)s THEN -c.amount ELSE %(c)s END",
                   c=col, a=TEMPLATE_LINE_AMOUNT)
    if data_type in ('character varying', 'text'):
        return SQL("CASE WHEN %(c)s = %(l)s THEN c.label ELSE %(c)s END", c=col, l=TEMPLATE_LINE_LABEL)
    return col


# Columns that differ between two statement lines of the same values: keys, numbers, index and timestamps.
UNCOMPARED = {'id', 'move_id', 'statement_line_id', 'name', 'sequence_number', 'move_name', 'internal_index',
              'create_date', 'write_date', 'reconcile_data', 'matching_number'}


def verify_statement_lines(env, journal, st_date, st_ids, lines):
    """Check a sample of the cloned statement lines against twins created with the ORM (in a savepoint that is
    rolled back): every column of the entry, its items and the statement line row must be the same, but
    for the keys, numbers, index and timestamps; and the ORM must see each clone unreconciled, with its
    liquidity and suspense items."""
    for position in sorted({0, len(st_ids) // 2, len(st_ids) - 1}):
        label, amount, partner_id = lines[position]
        clone = env['account.bank.statement.line'].browse(st_ids[position])
        liquidity, suspense, other = clone._seek_for_lines()
        assert not clone.is_reconciled and not other and clone.move_id.state == 'posted', clone
        assert round(liquidity.balance, 2) == round(amount, 2) == -round(suspense.balance, 2), clone
        with env.cr.savepoint(flush=True) as savepoint:
            twin = env['account.bank.statement.line'].with_company(journal.company_id).create({
                'journal_id': journal.id, 'date': st_date, 'payment_ref': label, 'amount': amount,
                'partner_id': partner_id or False})
            env.flush_all()
            for table, column, ids in (('account_bank_statement_line', 'id', (clone.id, twin.id)),
                                       ('account_move', 'id', (clone.move_id.id, twin.move_id.id)),
                                       ('account_move_line', 'move_id', (clone.move_id.id, twin.move_id.id))):
                rows = [_rows(env, table, column, record_id) for record_id in ids]
                assert rows[0] == rows[1], (table, label, rows)
            savepoint.rollback()
        env.invalidate_all()


def _rows(env, table, column, record_id):
    columns = [name for name in _columns(env, table) if name not in UNCOMPARED]
    return env.execute_query(SQL("SELECT %s FROM %s WHERE %s = %s ORDER BY balance" if table == 'account_move_line'
                                 else "SELECT %s FROM %s WHERE %s = %s",
                                 SQL(', ').join(SQL.identifier(c) for c in columns), SQL.identifier(table),
                                 SQL.identifier(column), record_id))
