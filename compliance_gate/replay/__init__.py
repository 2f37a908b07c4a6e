"""The replay engine: recorded payment events replayed and reconciled, stage by stage.

- `read/`: the recorded events and the report/settlement tables staged into DuckDB (formats,
  field mapping, amounts in minor units, offset/sequence integrity);
- `fold/`: each payment's events folded through the state machine (set-wise in SQL, or per
  payment through the release's own projector);
- `reconcile/`: the replayed state against the report and the settlement (breaks, geo rules);
- `report/`: findings, counts and the metrics the renderers draw.

`pipeline.replay_and_reconcile` runs the stages; `transitions.replay_transitions` replays only
the state changes (for the audit-log check's completeness). DuckDB, SQLAlchemy and maxminddb
come with the `replay` extra (`pip install 'compliance-gate[replay]'`).
"""
