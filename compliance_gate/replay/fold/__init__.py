"""Folding each payment's events through the state machine or the release's projector."""
