"""Build the cobranza_mx demo: a Mexican company, its receivables portfolio and the demo users.

Runs inside ``odoo-bin shell`` on a database where the add-on cobranza_mx_demo (the demo and
benchmark tooling, which brings cobranza_mx) is installed; ``make demo-data`` installs it and
then does exactly this::

    COBRANZA_SEED=42 COBRANZA_SCALE=1 /opt/odoo-venv/bin/python /opt/odoo19/odoo-bin shell \\
        -d cobranza_demo --addons-path=/opt/odoo19/odoo/addons,/path/to/this/repo --no-http \\
        --log-level=warn < scripts/make_demo.py

odoo-bin reads the configuration (database, addons path, config file, PostgreSQL options) the
same way as for the server and hands this script ``env``, a superuser environment; the script
commits once everything is built, and prints a summary and the demo logins.

- ``COBRANZA_SEED`` (default 42) chooses the portfolio: the same seed builds the same one.
- ``COBRANZA_SCALE`` (default 1, decimals allowed) multiplies its size: 300 debtors and 1,500
  invoices at scale 1.

The aging of the portfolio refers to the day the script runs. A company that has customer
invoices already keeps them: the script then only refreshes the demo users.
"""
import base64
import os
import sys
import time
from datetime import date

DEBTORS_PER_SCALE = 300
# Customer documents per unit of scale: 1,500 invoices and 31 credit notes (2 %) at scale 1.
INVOICES_PER_SCALE = 1531


def _settings():
    try:
        seed = int(os.environ.get('COBRANZA_SEED') or 42)
        scale = float(os.environ.get('COBRANZA_SCALE') or 1)
    except ValueError as error:
        sys.exit(f'COBRANZA_SEED must be an integer and COBRANZA_SCALE a number: {error}')
    if scale <= 0:
        sys.exit('COBRANZA_SCALE must be positive')
    return seed, max(1, round(DEBTORS_PER_SCALE * scale)), max(1, round(INVOICES_PER_SCALE * scale))


def _print_summary(summary, seed, today):
    currency = summary['currency']
    print(f"Portfolio (seed {seed}, as of {today}): {summary['debtors']:,} debtors "
          f"({summary['companies']:,} companies, {summary['individuals']:,} individuals), "
          f"{summary['invoices']:,} invoices ({summary['usd_invoices']:,} in USD), "
          f"{summary['credit_notes']:,} credit notes, {summary['partial_payments']:,} partial payments")
    print(f"Invoiced {summary['amount_invoiced']:,.2f} {currency}, credited {summary['amount_credited']:,.2f} "
          f"{currency}, still due {summary['amount_due']:,.2f} {currency}")
    print('Invoices by aging bucket: ' + ', '.join(f'{key} {count:,}' for key, count in summary['buckets'].items()))


def build(env):
    """Create (or complete) the demo in the database of ``env``; does not commit."""
    if 'cobranza.portfolio.generator' not in env:
        sys.exit('The demo needs the add-on cobranza_mx_demo: install it (make demo-data does) and run again.')
    seed, n_debtors, n_invoices = _settings()
    today = date.today()
    generator = env['cobranza.portfolio.generator']
    started = time.monotonic()

    company = generator._setup_mexican_company()
    # The administrator works in the Mexican company.
    admin = env.ref('base.user_admin')
    admin.company_ids |= company
    admin.company_id = company
    print(f'Company: {company.name} (RFC {company.vat})')

    has_portfolio = env['account.move'].search_count([
        ('company_id', '=', company.id), ('move_type', 'in', ('out_invoice', 'out_refund')),
    ], limit=1)
    if has_portfolio:
        print('The company has customer invoices already: its portfolio is kept as it is.')
    else:
        summary = generator._generate_portfolio(company, seed=seed, n_debtors=n_debtors, n_invoices=n_invoices,
                                                today=today)
        _print_summary(summary, seed, today)

    users, passwords = generator._create_demo_users(company)
    _setup_collections(env, company, users)
    _setup_collector_day(env, company, users)
    withholdings = env['cobranza.withholding.demo']._generate(company, today)
    if withholdings:
        print(f'Payments and withholdings: {withholdings}')
    print(*env['cobranza.proof.demo']._generate(company, today), sep='\n')
    print(f"USD bank lines: {env['cobranza.bank.usd.demo']._generate(company, today)}")
    _setup_event_reminders(env, company, users)
    _setup_dictamenes(env, company, users, today)
    print(f'Built in {time.monotonic() - started:.1f} s')
    print('Demo logins (login / password):')
    for user in users:
        print(f'  {user.login} / {passwords[user.login]}  ({user.name})')


# Field teams of the demo: each collector works a region.
ZONES = {
    'collector1': ('BCN', 'SON', 'CHH', 'SIN'),
    'collector2': ('CMX', 'PUE', 'JAL'),
    'collector3': ('NLE', 'YUC', 'ROO'),
}


def _setup_collections(env, company, users):
    """Assignment rules by region, a responsible for stage actions, then the first collection run."""
    by_login = {user.login: user for user in users}
    supervisor = by_login.get('supervisor')
    Rule = env['cobranza.assignment.rule'].with_company(company)
    if not Rule.search_count([('company_id', '=', company.id)]):
        for sequence, (login, codes) in enumerate(ZONES.items(), start=1):
            states = env['res.country.state'].search([('country_id.code', '=', 'MX'), ('code', 'in', codes)])
            Rule.create({'name': f"{by_login[login].name}: {', '.join(states.mapped('name'))}",
                         'sequence': sequence, 'company_id': company.id, 'state_ids': [(6, 0, states.ids)],
                         'collector_ids': [(6, 0, by_login[login].ids)]})
        Rule.create({'name': 'Resto del país', 'sequence': 99, 'company_id': company.id,
                     'collector_ids': [(6, 0, [by_login[login].id for login in ZONES])]})
    if supervisor:
        env['cobranza.stage.action'].search([('activity_user_id', '=', False)]).activity_user_id = supervisor
    run = env['cobranza.run']._run_for_company(company, trigger='manual')
    # What the stage actions cron would do right after the run: the collectors' first activities.
    env['cobranza.stage.action']._process_queue()
    print(f'First collection run: {run.evaluated_count:,} invoices evaluated, {run.changed_count:,} placed in a '
          f'stage, {run.account_count:,} collection accounts ({run.assigned_count:,} assigned), '
          f'{run.action_count:,} activities, {run.error_count} errors')
    collectors = env['res.users'].browse([by_login[login].id for login in ZONES if login in by_login])
    visits = env['cobranza.portfolio.generator']._generate_visits(company, collectors, today=date.today())
    done = visits.filtered(lambda visit: visit.state == 'done')
    print(f'Field visits: {len(visits):,} over a week ({len(done):,} done, '
          f"{len(visits.filtered(lambda visit: visit.state == 'missed')):,} missed, "
          f"{len(visits.filtered(lambda visit: visit.state in ('planned', 'confirmed'))):,} planned), "
          f'{len(done.filtered("located")):,} debtors located, {len(done.filtered("flagged")):,} to review')


# What the demo collectors did before today: results of their contacts, in turn.
DEMO_RESULTS = ('no_answer', 'contacted', 'voicemail', 'wrong_number', 'refuses', 'contacted', 'not_located')


def _setup_collector_day(env, company, users):
    """Collectors land on Today, with logged contacts of several results and promises in every state."""
    from datetime import timedelta  # noqa: PLC0415 (the shell script keeps its imports with their use)

    today_action = env.ref('cobranza_mx.cobranza_account_action_today')
    supervisor = users.filtered(lambda u: u.login == 'supervisor')
    Promise = env['cobranza.promise']
    today = date.today()
    collectors = users.filtered(lambda u: u.has_group('cobranza_mx.group_cobranza_collector')
                                and not u.has_group('cobranza_mx.group_cobranza_supervisor'))
    collectors.write({'action_id': today_action.id})
    if Promise.search_count([('company_id', '=', company.id), ('channel', '!=', 'visit')], limit=1):
        print('Promises exist already: the collectors\' day is kept as it is.')
        return
    counts = {}
    for collector in collectors:
        accounts = env['cobranza.account'].search([('collector_id', '=', collector.id), ('in_today', '=', True)],
                                                  order='work_order', limit=24)
        for index, account in enumerate(accounts):
            as_collector = account.with_user(collector)
            if index < len(DEMO_RESULTS):
                as_collector._log_contact('call_out', DEMO_RESULTS[index], reached='debtor' if index % 3 else
                                          'nobody', note='Contacto de demostración')
                continue
            if index >= len(DEMO_RESULTS) + 10:
                break
            state = ('open', 'kept', 'broken', 'partially_kept', 'cancelled')[index % 5]
            invoice = account.invoice_ids.sorted('invoice_date_due')[:1]
            amount = invoice.currency_id.round(invoice.amount_residual_signed * 0.5) if invoice else 0.0
            if not invoice or amount <= 0:
                continue
            promise = Promise.with_user(collector).create({
                'account_id': account.id, 'move_ids': [(6, 0, invoice.ids)], 'amount': amount,
                'date': today + timedelta(days=3 if state == 'open' else 0), 'channel': 'call_out'})
            as_collector._log_contact('call_out', 'promise', reached='debtor', promise_id=promise.id,
                                      note='Promesa de pago de demostración')
            if state in ('kept', 'partially_kept') and invoice.currency_id == company.currency_id:
                env['account.payment.register'].with_context(active_model='account.move', active_ids=invoice.ids) \
                    .create({'payment_date': today, 'amount': amount if state == 'kept' else amount / 4,
                             'payment_difference_handling': 'open'})._create_payments()
            if state == 'cancelled':
                promise.with_user(supervisor).action_cancel()
            elif state != 'open':
                promise._update_state(today + timedelta(days=1))
        for state, count in Promise._read_group([('collector_id', '=', collector.id)], ['state'], ['__count']):
            counts[state] = counts.get(state, 0) + count
    print('Promises to pay: ' + ', '.join(f'{state} {count}' for state, count in sorted(counts.items())))



def _setup_event_reminders(env, company, users):
    """Reminders of events: a promise due tomorrow is reminded today, confirmed visits are announced, and a
    statement of account waits for the WhatsApp cron."""
    from datetime import timedelta  # noqa: PLC0415 (the shell script keeps its imports with their use)

    from odoo import fields  # noqa: PLC0415

    Reminder = env['cobranza.reminder'].sudo().with_company(company)
    if Reminder.search_count([('company_id', '=', company.id), ('trigger', '!=', 'invoice_due')], limit=1):
        print('Event reminders exist already: kept as they are.')
        return
    today = date.today()
    collector = users.filtered(lambda u: u.login == 'collector2')[:1]
    account = env['cobranza.account'].search([
        ('company_id', '=', company.id), ('collector_id', '=', collector.id), ('in_today', '=', True),
        ('promise_ids', '=', False), ('partner_id.email', '!=', False)], order='work_order', limit=1)
    invoice = account.invoice_ids.sorted('invoice_date_due')[:1]
    if invoice:
        env['cobranza.promise'].with_user(collector).create({
            'account_id': account.id, 'move_ids': [(6, 0, invoice.ids)], 'channel': 'call_out',
            'amount': invoice.currency_id.round(invoice.amount_residual_signed * 0.6),
            'date': today + timedelta(days=1)})
    now = fields.Datetime.now()
    rules = env['cobranza.reminder.rule'].sudo().search([('policy_id.active', '=', True)])
    planned = Reminder._schedule_events(rules, company, now)
    Reminder._send_due(now)
    statement = env['cobranza.account'].search([
        ('company_id', '=', company.id), ('partner_id.phone', '!=', False), ('invoice_ids', '!=', False)], limit=1)
    if statement:
        Reminder._queue_statement(statement, 'whatsapp')
    planned.invalidate_recordset()
    by_kind = {}
    for reminder in planned:
        key = f"{reminder.trigger} {reminder.state}"
        by_kind[key] = by_kind.get(key, 0) + 1
    print('Event reminders: ' + (', '.join(f'{key} {count}' for key, count in sorted(by_kind.items())) or 'none due')
          + (f'; statement of account of {statement.partner_id.name} queued for WhatsApp' if statement else ''))
def _setup_dictamenes(env, company, users, today):
    """UDI values (the shipped CSV), uncollectable candidates under (a) and (b), dictámenes in several states."""
    from pathlib import Path  # noqa: PLC0415 (the demo script keeps its imports where they are used)

    from odoo.modules.module import get_module_path  # noqa: PLC0415

    from odoo.addons.cobranza_mx.tools import udi  # noqa: PLC0415

    csv_path = Path(get_module_path('cobranza_mx')).parent / 'scripts' / 'udi_values_demo.csv'
    count = env['cobranza.udi.rate']._store_values(udi.parse_udi_csv(csv_path.read_text()), 'csv')
    print(f'UDI values: {count:,} days from {csv_path.name}')
    if env['cobranza.dictamen'].search_count([('company_id', '=', company.id)]):
        return
    account = env['account.account'].with_company(company).search(
        [('company_ids', 'in', company.id), ('account_type', '=', 'expense')], limit=1)
    journal = env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'general')], limit=1)
    company.write({'cobranza_bad_debt_account_id': account.id, 'cobranza_bad_debt_journal_id': journal.id})
    supervisor = next(user for user in users if user.login == 'supervisor')
    admin = env.ref('base.user_admin')
    Wizard = env['cobranza.dictamen.candidate.wizard'].with_company(company)
    # Basis (b): the largest debtors above 30,000 UDIS are in court.
    wizard = Wizard.create({'company_id': company.id, 'as_of': today})
    debtors = env['account.move']._read_group(
        [('id', 'in', wizard._open_overdue_invoices().ids)], ['commercial_partner_id'],
        ['amount_residual_signed:sum'], order='amount_residual_signed:sum desc', limit=2)
    for partner, _amount in debtors:
        partner.cobranza_lawsuit_date = today.replace(day=1)
    wizard.action_find()
    ready = wizard.line_ids.filtered('ready')
    small, judicial = ready.filtered(lambda line: line.basis == 'a'), ready.filtered(lambda line: line.basis == 'b')
    print(f'Uncollectable candidates: {len(small)} under (a), {len(judicial)} under (b), '
          f'{len(wizard.line_ids - ready)} upcoming')

    def make(candidate, state, documents=()):
        dictamen = env['cobranza.dictamen'].with_user(supervisor).with_company(company).create({
            'company_id': company.id, 'partner_id': candidate.partner_id.id, 'basis': candidate.basis,
            'as_of': today, 'move_ids': [(6, 0, candidate.eligible_move_ids.ids)],
            'opinion': 'Se agotaron las gestiones de cobranza: llamadas, mensajes, cartas y visitas sin pago.'})
        if dictamen.business_activity:
            documents = ('notice', *documents)
        for doc_type in documents:
            env['cobranza.dictamen.document'].create({
                'dictamen_id': dictamen.id, 'doc_type': doc_type, 'name': f'{doc_type} (demo)',
                'file': base64.b64encode(b'%PDF-1.4 demo'), 'filename': f'{doc_type}.pdf'})
        if state == 'draft':
            return dictamen
        dictamen.with_user(supervisor).action_submit()
        if state == 'rejected':
            dictamen.rejection_reason = 'Falta la investigación del domicilio.'
            dictamen.with_user(admin).action_reject()
        elif state in ('approved', 'written_off'):
            dictamen.with_user(admin).action_approve()
            if dictamen.state == 'to_approve':  # above the second approval amount: the root administrator too
                dictamen.with_user(env.ref('base.user_root')).action_approve()
        if state == 'written_off' and dictamen.state == 'approved':
            dictamen.with_user(admin).action_write_off()
        return dictamen

    made = []
    for candidate, state in zip(small, ('written_off', 'approved', 'to_approve', 'rejected', 'draft'), strict=False):
        made.append(make(candidate, state))
    for candidate, state in zip(judicial, ('to_approve', 'draft'), strict=False):
        made.append(make(candidate, state, documents=('lawsuit', 'ruling') if state == 'to_approve' else ('lawsuit',)))
    print('Dictámenes: ' + ', '.join(f'{dictamen.name} {dictamen.basis} {dictamen.state}' for dictamen in made))


if __name__ == '__main__':
    shell_env = globals().get('env')  # set by `odoo-bin shell -d <database>`
    if shell_env is None:
        sys.exit(__doc__)
    build(shell_env)
    shell_env.cr.commit()


def _setup_agreements(env):
    """Payment agreements active, completed and broken, a restructure and a conditional condonation (issue 17)."""
    from datetime import timedelta  # noqa: PLC0415 (the shell script keeps its imports with their use)

    company = env['cobranza.portfolio.generator']._setup_mexican_company()
    if env['cobranza.agreement'].search_count([('company_id', '=', company.id)], limit=1):
        print('Payment agreements: kept as they are.')
        return
    today = date.today()
    supervisor = env['res.users'].search([('login', '=', 'supervisor')], limit=1) or env.user
    accounts = env['cobranza.account'].search([
        ('company_id', '=', company.id), ('collector_id', '!=', False), ('open_invoice_count', '>=', 1),
    ], order='total_due desc', limit=40)
    free = [account for account in accounts
            if all(not m.cobranza_excluded and not m.cobranza_promise_open and m.currency_id == company.currency_id
                   for m in account.invoice_ids)]
    if len(free) < 5:
        print('Payment agreements: not enough accounts for the demo.')
        return
    Agreement = env['cobranza.agreement']

    def agreement(account, user, count, first, **vals):
        moves = account.invoice_ids.sorted('invoice_date_due')[:2]
        record = Agreement.with_user(user).create({
            'account_id': account.id, 'move_ids': [(6, 0, moves.ids)], 'installment_count': count,
            'first_date': first, 'frequency': 'monthly', **vals})
        record.action_generate_installments()
        record.action_confirm()
        return record

    active = agreement(free[0], free[0].collector_id, 3, today + timedelta(days=5),
                       conditions='Pagos por transferencia SPEI a la cuenta de la empresa.')
    completed = agreement(free[1], free[1].collector_id, 2, today)
    for move in completed.move_ids:
        env['account.payment.register'].with_context(active_model='account.move', active_ids=move.ids).create({
            'payment_date': today, 'amount': move.amount_residual})._create_payments()
    broken = agreement(free[2], free[2].collector_id, 2, today - timedelta(days=50), date=today - timedelta(days=60))
    broken._update_installments(today)
    restructure = agreement(free[3], supervisor, 4, today + timedelta(days=10), agreement_type='restructure')
    condonation = env['cobranza.condonation'].with_user(supervisor).create({
        'account_id': free[4].id, 'move_ids': [(6, 0, free[4].invoice_ids.sorted('invoice_date_due')[:1].ids)],
        'mode': 'percent', 'value': 10.0, 'reason': 'penalties', 'conditional': True,
        'condition_date': today + timedelta(days=15), 'note': 'Quita de recargos si liquida el resto'})
    condonation.action_confirm()
    print('Payment agreements: ' + ', '.join(f'{record.name} {record.state}' for record in (
        active, completed, broken, restructure)) + f' (restructure entry {restructure.restructure_move_id.name}); '
          f'condonation {condonation.name} {condonation.state} until {condonation.condition_date}')


if __name__ == '__main__' and globals().get('env') is not None:
    _setup_agreements(globals()['env'])
    globals()['env'].cr.commit()


def _setup_document_reminders(env):
    """Documents through the reminder engine (issues 14, 16, 17): a dictamen notice, an agreement's PDF and the
    reminder of the missing withholding certificates, queued and then sent inside the debtors' contact windows."""
    from odoo import fields  # noqa: PLC0415 (the shell script keeps its imports with their use)
    from odoo.exceptions import UserError  # noqa: PLC0415

    company = env['cobranza.portfolio.generator']._setup_mexican_company()
    Reminder = env['cobranza.reminder'].sudo().with_company(company)
    if Reminder.search_count([('company_id', '=', company.id), ('rule_id.trigger', '=', 'document')], limit=1):
        print('Document reminders: kept as they are.')
        return
    sources = [
        # A debtor with business activity is the one the law wants told in writing.
        ('dictamen notice', env['cobranza.dictamen'].with_company(company).search(
            [('company_id', '=', company.id), ('state', 'in', ('approved', 'to_approve')),
             ('partner_id.email', '!=', False)]).sorted(lambda d: not d.business_activity)[:1], 'action_send_notice'),
        ('agreement PDF', env['cobranza.agreement'].with_company(company).search(
            [('company_id', '=', company.id), ('state', '=', 'active')], limit=1), 'action_send_to_debtor'),
        ('missing certificates', env['cobranza.withholding.certificate'].with_company(company).search(
            [('company_id', '=', company.id), ('state', '=', 'expected')], limit=1), 'action_send_reminder'),
    ]
    done = []
    for label, record, method in sources:
        if not record:
            print(f'Document reminders: no {label} to send.')
            continue
        try:
            getattr(record, method)()
            done.append(f'{label} of {record.display_name}')
        except UserError as error:
            print(f'Document reminders: the {label} of {record.display_name} was not queued: {error}')
    Reminder._send_due(fields.Datetime.now())
    reminders = Reminder.search([('company_id', '=', company.id), ('rule_id.trigger', '=', 'document')])
    print('Document reminders: ' + (', '.join(done) or 'none') + ' — ' + ', '.join(
        f'{reminder.channel} {reminder.state}' for reminder in reminders))


if __name__ == '__main__' and globals().get('env') is not None:
    _setup_document_reminders(globals()['env'])
    globals()['env'].cr.commit()


def _setup_returns_and_broken_restructure(env):
    """Agency mode and broken restructures (issues 16 and 17): the accounts of a client handed back with their
    dictamen (XLSX and ZIP kept as attachments of the client), and a broken restructure collected by its
    installments' due dates."""
    from datetime import timedelta  # noqa: PLC0415 (the shell script keeps its imports with their use)

    company = env['cobranza.portfolio.generator']._setup_mexican_company()
    today = date.today()
    Agreement = env['cobranza.agreement']
    if not Agreement.search_count([('company_id', '=', company.id), ('agreement_type', '=', 'restructure'),
                                   ('state', '=', 'broken')], limit=1):
        supervisor = env['res.users'].search([('login', '=', 'supervisor')], limit=1) or env.user
        covered = Agreement.search([('company_id', '=', company.id), ('state', 'in', ('to_approve', 'active'))])
        accounts = env['cobranza.account'].search([
            ('company_id', '=', company.id), ('open_invoice_count', '>=', 1), ('stage_code', '!=', 'written_off'),
        ], order='total_due desc', limit=60)
        account = next((account for account in accounts if account.invoice_ids and all(
            not m.cobranza_excluded and not m.cobranza_promise_open and m.currency_id == company.currency_id
            and m not in covered.move_ids for m in account.invoice_ids)), None)
        if account:
            restructure = Agreement.with_user(supervisor).create({
                'account_id': account.id, 'agreement_type': 'restructure', 'date': today - timedelta(days=70),
                'move_ids': [(6, 0, account.invoice_ids.sorted('invoice_date_due')[:2].ids)],
                'installment_count': 3, 'first_date': today - timedelta(days=60), 'frequency': 'monthly'})
            restructure.action_generate_installments()
            restructure.with_user(supervisor).action_confirm()
            restructure._update_installments(today)
            env['cobranza.run']._run_for_company(company)
            entry = restructure.restructure_move_id
            print(f'Broken restructure: {restructure.name} {restructure.state}, entry {entry.name} collected in '
                  f'stage {entry.cobranza_stage_id.name} ({(today - restructure.installment_ids[0].date).days} days '
                  f'after its oldest unpaid installment)')
    client = env['res.partner'].search([('name', '=', 'Financiera Progreso del Bajío S.A. de C.V.')], limit=1)
    if client:
        print('Return to the client: kept as it is.')
        return
    client = env['res.partner'].create({'name': 'Financiera Progreso del Bajío S.A. de C.V.', 'is_company': True,
                                        'vat': 'FPB0101019X4', 'city': 'León', 'country_id': env.ref('base.mx').id})
    dictamenes = env['cobranza.dictamen'].search([('company_id', '=', company.id),
                                                 ('state', 'in', ('approved', 'written_off'))])
    others = env['cobranza.account'].search([('company_id', '=', company.id), ('client_id', '=', False),
                                             ('segment_id.code', '=', 'AGENCY')], limit=30)
    (dictamenes.account_id | others).write({'client_id': client.id})
    if not dictamenes:
        print('Return to the client: no approved or written-off dictamen.')
        return
    admin = env.ref('base.user_admin')
    wizard = env['cobranza.account.return.wizard'].with_user(admin).with_company(company).create({
        'company_id': company.id, 'client_id': client.id, 'date_from': today - timedelta(days=31),
        'date_to': today})
    wizard.action_generate()
    for name, data in ((wizard.xlsx_name, wizard.xlsx_file), (wizard.zip_name, wizard.zip_file)):
        env['ir.attachment'].create({'name': name, 'datas': data, 'res_model': 'res.partner', 'res_id': client.id})
    print(f'Return to the client {client.name}: {wizard.account_count} accounts returned with their dictamen '
          f'({wizard.xlsx_name}, {wizard.zip_name} attached to the client)')


if __name__ == '__main__' and globals().get('env') is not None:
    _setup_returns_and_broken_restructure(globals()['env'])
    globals()['env'].cr.commit()
