from . import test_portfolio_generator
