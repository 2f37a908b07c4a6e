"""The change-scope check's engine: which paths a release changes, read from git."""
