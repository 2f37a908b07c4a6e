"""The checks: one small module per check, adapting an engine (`compliance_gate.pii`, `.secrets`,
`.sast`, `.auditlog`, `.replay`, `.changescope`) to the gate's vocabulary.

Each module exposes `CHECK` (see `interface.py`) and its docstring is the check's documentation.
The registry that lists them is `compliance_gate.registry`.
"""
