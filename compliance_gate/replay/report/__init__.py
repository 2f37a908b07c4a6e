"""Findings, counts and metrics of a finished replay."""
