"""Money: settling platform notifications exactly once (settlement.py) and refunds
(refunds.py). Providers themselves live in the top-level `payments/` adapters."""
