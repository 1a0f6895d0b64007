"""Plain unittest tests of the pure tools: no Odoo, no database.

Odoo's test loader does not import this package (``tests/__init__.py`` does not name it); run them
with ``make test-unit`` (``scripts/run_unit_tests.py``), which ``make test`` includes.
"""
