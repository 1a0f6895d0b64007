from . import cobranza_portfolio_generator
