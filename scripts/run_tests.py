"""Run the Odoo test suite of cobranza_mx on a fresh database and print `N passed, N failed, N skipped`.

Used by `make test` (and `make test-account`). Exits non-zero when Odoo reports a failure or an
error, when installation fails, when no test ran at all, when any test was skipped (a tour that
could not start its browser proves nothing), and, with ``--require-tours``, when no browser tour
ran to its end.
"""
import argparse
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

from run_unit_tests import run_unit_tests

RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
# Odoo's test result logs every skip (its final report does not count them): "<module>: skipped <test> : <reason>".
SKIP_RE = re.compile(r" (odoo\.addons\.\S+): skipped (\S+) : (.*)$")
# A failing test, logged once per failure: several failing subtests of one test are one failed test.
FAIL_RE = re.compile(r" (odoo\.addons\.\S+): (?:FAIL|ERROR): (?:Subtest )?(\S+)")
# The browser's console line of a tour that reached its last step.
TOUR_RE = re.compile(r"\btour succeeded\b")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--odoo-src', required=True)
    parser.add_argument('--addons-path', required=True)
    parser.add_argument('--db', required=True)
    parser.add_argument('--tags', default='/cobranza_mx')
    parser.add_argument('--install', default='cobranza_mx')
    parser.add_argument('--db-args', default='')
    parser.add_argument('--keep-db', action='store_true')
    parser.add_argument('--log', default=None, help="also write Odoo's full log to this file")
    parser.add_argument('--require-tours', action='store_true', help="fail when no browser tour ran to its end")
    parser.add_argument('--unit', action='store_true',
                        help="first run the unit tests of the tools (run_unit_tests.py), counted in the total")
    args = parser.parse_args()

    unit = (0, 0, 0)
    if args.unit:
        print('$ unit tests of the pure tools (cobranza_mx/tests/unit)', flush=True)
        unit = run_unit_tests(Path(__file__).resolve().parent.parent)
        print(f"Unit tests: {unit[0]} passed, {unit[1]} failed, {unit[2]} skipped", flush=True)

    db_args = shlex.split(args.db_args)
    cmd = [
        sys.executable, f'{args.odoo_src}/odoo-bin', f'--addons-path={args.addons_path}', *db_args,
        '-d', args.db, '-i', args.install, '--test-enable', f'--test-tags={args.tags}',
        '--stop-after-init', f'--http-port={_free_port()}', '--log-level=test', '--max-cron-threads=0',
    ]
    print('$', ' '.join(shlex.quote(c) for c in cmd), flush=True)
    log = open(args.log, 'w', encoding='utf-8') if args.log else None  # noqa: SIM115
    result = None
    skipped, failing, tours = [], set(), 0
    try:
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
            for line in proc.stdout:
                sys.stdout.write(line)
                if log:
                    log.write(line)
                if match := RESULT_RE.search(line):
                    result = tuple(int(g) for g in match.groups())
                elif match := FAIL_RE.search(line):
                    failing.add(f"{match[1]}.{match[2]}")
                elif match := SKIP_RE.search(line):
                    skipped.append(f"{match[1]}.{match[2]}: {match[3]}")
                elif TOUR_RE.search(line):
                    tours += 1
        rc = proc.returncode
    finally:
        if log:
            log.close()
        if not args.keep_db:
            subprocess.run(['dropdb', '--if-exists', *_pg_args(db_args), args.db], check=False)

    if result is None:
        print(f"Odoo exited with code {rc} before reporting test results (installation failed?)")
        print(f"{unit[0]} passed, {unit[1] + 1} failed, {unit[2]} skipped")
        return 1
    failed, errors, total = result
    # Odoo counts each failing subtest; count failing tests (at least one when Odoo reports any).
    bad = max(len(failing), 1) if failed + errors else 0
    for line in skipped:
        print(f"SKIPPED (counts as a failed check): {line}")
    print(f"Browser tours run to their end: {tours}")
    if args.require_tours and not tours:
        print("No browser tour ran: install Chromium and websocket-client (make setup) and run again.")
    if total == 0:
        print("No test ran.")
    # Odoo counts a skipped test among the tests run.
    print(f"Odoo tests: {total - bad - len(skipped)} passed, {bad} failed, {len(skipped)} skipped")
    passed, failed, skipped_count = unit[0] + total - bad - len(skipped), unit[1] + bad, unit[2] + len(skipped)
    print(f"{passed} passed, {failed} failed, {skipped_count} skipped")
    return 1 if failed or skipped_count or rc or total == 0 or (args.require_tours and not tours) else 0


def _free_port():
    """A free local TCP port, so that several test runs (and a served demo) can coexist."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _pg_args(db_args):
    mapping = {'--db_host': '-h', '--db_port': '-p', '--db_user': '-U'}
    out = []
    for arg in db_args:
        key, _sep, value = arg.partition('=')
        if key in mapping and value:
            out += [mapping[key], value]
    return out


if __name__ == '__main__':
    sys.exit(main())
