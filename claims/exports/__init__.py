"""Exports of a claim's graph in standard formats."""
