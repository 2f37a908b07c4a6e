"""Renderers: each takes a `Verdict` and returns text (console is the exception: it prints).

One module per format (`json`, `markdown`, `html` with `templates/report.html.j2`, `sarif`,
`junit`, `csv`, `github`, `console`; `formats` lists them by name), and what they share, split by
what it does: `findings` (ordering, locations), `facts` (engines, sign-offs, verify commands),
`summaries` (what the checks' typed summaries have to show: reconciliation totals, chain states),
`context` (provenance and approvals a caller supplies), `svg` (the chart's layout).
"""
