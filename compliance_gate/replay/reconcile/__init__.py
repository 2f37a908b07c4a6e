"""The replayed state against the report and the settlement file: breaks and geo rules."""
