"""Reading the recorded events and the report/settlement tables into DuckDB."""
