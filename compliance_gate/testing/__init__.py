"""Test support for compliance-gate: provider-shaped recordings with planted faults.

`compliance_gate.testing.recordings` writes Stripe, Adyen and Debezium recordings, the reporting
snapshot and the settlement file that go with them, and the findings a correct replay must
produce. It needs only the standard library and orjson, so a team's own test suite can use it.
"""
