"""Thin platform adapters: platform updates in, engine events out; rendered replies back out."""
