{
    'name': 'Cobranza MX - Accounts Receivable Collections for Mexico',
    'version': '19.0.1.0.0',
    'category': 'Accounting/Accounting',
    'summary': 'Collection stages, worklists, reminders and field visits for Mexican receivables',
    'author': 'cobranza_mx developers',
    'website': 'https://github.com/cobranza-mx/cobranza_mx',
    'assets': {
        'web.assets_tests': [
            'cobranza_mx/static/tests/tours/*.js',
        ],
    },
    'license': 'LGPL-3',
    'depends': [
        'account',
        'l10n_mx',
        'mail',
        'phone_validation',
    ],
    'external_dependencies': {
        'python': ['phonenumbers'],
    },
    'data': [
        'security/cobranza_security.xml',
        'security/ir.model.access.csv',
        'data/cobranza_policy_data.xml',
        'data/ir_cron_data.xml',
        'wizards/cobranza_assign_wizard_views.xml',
        'wizards/cobranza_exclusion_wizard_views.xml',
        'views/cobranza_account_views.xml',
        'views/cobranza_policy_views.xml',
        'views/cobranza_run_views.xml',
        'views/account_move_views.xml',
        'views/res_partner_views.xml',
        'views/cobranza_menus.xml',
    ],
}
