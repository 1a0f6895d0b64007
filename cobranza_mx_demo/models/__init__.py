from . import cobranza_portfolio_generator
from . import cobranza_withholding_demo
from . import cobranza_proof_demo
from . import cobranza_bank_usd_demo
