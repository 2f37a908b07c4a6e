"""Renderers: each takes a `Verdict` and returns text (console is the exception: it prints)."""
