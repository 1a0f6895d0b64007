"""Run the plain unittest tests of cobranza_mx's pure tools, without Odoo and without a database.

Used by `make test-unit`, and by scripts/run_tests.py so that `make test` counts them too. The tests
live in cobranza_mx/tests/unit/ (Odoo's test loader does not import that package). Importing
`cobranza_mx.tools` would normally run cobranza_mx/__init__.py, which imports odoo: this script
registers bare package modules for `cobranza_mx` and `cobranza_mx.tests` instead, so only the
tools and the tests themselves are executed. A test that imports odoo anyway fails the run.

Prints a last line `N passed, N failed, N skipped`; exits non-zero when a test failed, errored or was
skipped, or when none ran.
"""
import argparse
import importlib
import sys
import types
import unittest
from pathlib import Path

ADDON = 'cobranza_mx'
UNIT_DIR = Path(ADDON, 'tests', 'unit')


def _register_bare_packages(repo_root):
    """Make ``cobranza_mx.*`` importable without executing the add-on's (or its tests') ``__init__``."""
    for name, path in ((ADDON, repo_root / ADDON), (f'{ADDON}.tests', repo_root / ADDON / 'tests')):
        module = sys.modules.get(name)
        if module is not None:
            if Path(getattr(module, '__path__', [''])[0]).resolve() != path.resolve():
                raise RuntimeError(f"{name} is already imported from {module.__path__}, not {path}")
            continue
        module = types.ModuleType(name, f"{name}, registered bare by run_unit_tests.py")
        module.__path__ = [str(path)]
        module.__package__ = name
        sys.modules[name] = module


class _Result(unittest.TextTestResult):
    """Counts tests, not subtests: a test with failing subtests is one failed test."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bad_ids = set()

    def _mark(self, test):
        self.bad_ids.add(getattr(test, 'test_case', test).id())

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._mark(test)

    def addError(self, test, err):
        super().addError(test, err)
        self._mark(test)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._mark(test)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._mark(test)


def run_unit_tests(repo_root, verbosity=1, stream=None):
    """Discover and run the unit tests of ``repo_root``; return ``(passed, failed, skipped)``.

    ``failed`` counts failing and erroring tests (and modules that cannot be imported); a unit test
    that imports odoo counts as one more failure.
    """
    repo_root = Path(repo_root).resolve()
    stream = stream or sys.stdout
    odoo_before = 'odoo' in sys.modules
    _register_bare_packages(repo_root)
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    import_errors = 0
    for path in sorted((repo_root / UNIT_DIR).glob('test_*.py')):
        name = '.'.join((*UNIT_DIR.parts, path.stem))
        try:
            suite.addTests(loader.loadTestsFromModule(importlib.import_module(name)))
        except Exception as e:  # noqa: BLE001 - report every module that cannot be imported
            print(f"ERROR: cannot import {name}: {e!r}", file=stream)
            import_errors += 1
    result = unittest.TextTestRunner(stream=stream, verbosity=verbosity, resultclass=_Result).run(suite)
    skipped = len(result.skipped) + len(result.expectedFailures)
    failed = len(result.bad_ids) + import_errors
    passed = result.testsRun - len(result.bad_ids) - skipped
    if not odoo_before and 'odoo' in sys.modules:
        print("ERROR: the unit tests imported odoo; they must run without it.", file=stream)
        failed += 1
    return passed, failed, skipped


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--repo-root', default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument('-v', '--verbose', action='store_true', help="one line per test")
    args = parser.parse_args()
    passed, failed, skipped = run_unit_tests(args.repo_root, verbosity=2 if args.verbose else 1)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or skipped or not passed else 0


if __name__ == '__main__':
    sys.exit(main())
