"""SAST on bandit: the glue that runs bandit over batches of files, and our payment rules.

`scanner.scan_batch` runs in worker processes (via the engine's `scan_files`); `policy` applies
the check's suppression and threshold options to what the workers found; `plugins/` are the
payment rules, registered as real bandit plugins through the package's entry points.
"""
