"""File work for the checks: which files (workspace), spread over cores (fanout), answered from
the content-hash cache (cache), and the types a worker reads and returns (jobs, collect).

This layer knows the model and the policy's path rules; it knows nothing of the checks.
"""
