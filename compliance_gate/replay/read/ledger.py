"""Ledger-shaped tables summed per payment by declared rules.

A provider's settlement report is a ledger: one signed row per balance movement (Stripe's
itemized payout reconciliation: `charge`, `refund`, `refund_failure`, `dispute`,
`dispute_reversal`, `fee`, `payout`; Adyen's settlement details: `Settled`, `Refunded`,
`RefundedReversed`, `Chargeback`, `ChargebackReversed`, `Fee`, `MerchantPayout`, with credit and
debit columns). `ledger: {category: COLUMN, amount: [...], refunded: [...], disputed: [...]}`
names which categories make up each money field of a payment:

- `amount` (for a settlement, the captured money) is the sum of its rows' signed amounts;
- `refunded` and `disputed` are minus the sum of theirs (money leaving is negative: a refund row
  of -10.00 and a refund failure of +10.00 refund nothing);
- rows of other categories (fees) change nothing, and rows without a payment id (payouts,
  Radar or Billing fees) are not payments. A payment whose rows use several currencies, or any
  of whose rows cannot be read, is a problem of its first such row.
"""

from __future__ import annotations

from compliance_gate.replay.options import LedgerRules
from compliance_gate.replay.sqlutil import literal


def _in(categories: tuple[str, ...]) -> str:
    if not categories:
        return "false"
    return f"lower(category) IN ({', '.join(literal(c.lower()) for c in categories)})"


def _minus(categories: tuple[str, ...]) -> str:
    """Minus the sum of these rows: 0 when a payment has none, NULL when no category is named."""
    return f"coalesce(-sum(amount) FILTER ({_in(categories)}), 0)" if categories else "NULL::BIGINT"


def aggregate_sql(name: str, rules: LedgerRules) -> str:
    """SQL over `{name}_rows` giving one row per payment id, in the shape of a flat table."""
    return f"""
        SELECT coalesce(min(line) FILTER (problem IS NOT NULL), min(line)) AS line, payment_id,
               arg_max(status, line) FILTER (status IS NOT NULL) AS status, min(currency) AS currency,
               coalesce(sum(amount) FILTER ({_in(rules.amount)}), 0) AS amount,
               {_minus(rules.refunded)} AS refunded,
               {_minus(rules.disputed)} AS disputed,
               CASE WHEN count(problem) > 0 THEN arg_min(problem, line) FILTER (problem IS NOT NULL)
                    WHEN count(DISTINCT currency) > 1 THEN 'rows of one payment in several currencies' END AS problem,
               min(amount_problem) AS amount_problem
        FROM {name}_rows WHERE payment_id IS NOT NULL AND trim(payment_id) <> ''
        GROUP BY payment_id"""
