from . import test_portfolio_generator
from . import test_bank_reconcile_oca
from . import test_portal_payment
from . import test_bank_reconcile_oca_keep
from . import test_bank_usd_demo
