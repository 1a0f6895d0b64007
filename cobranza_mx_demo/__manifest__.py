{
    'name': 'Cobranza MX - Demo and Benchmark Data',
    'version': '19.0.1.0.0',
    'category': 'Accounting/Accounting',
    'summary': 'Generates a demo Mexican company, its receivables portfolio and demo collectors (not for production)',
    'author': 'cobranza_mx developers',
    'website': 'https://github.com/cobranza-mx/cobranza_mx',
    'license': 'LGPL-3',
    'depends': [
        'cobranza_mx',
        # OCA's bank reconciliation screen (requirements-oca.txt): the demo's bank lines are matched by
        # cobranza_mx alongside it, and `make test` checks that they work together.
        'account_reconcile_oca',
        # The debtor portal's online payments in the demo and its tests (a test provider, never in production).
        'payment_demo',
    ],
}
