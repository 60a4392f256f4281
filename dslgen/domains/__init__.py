"""Domains: everything specific to one target language lives in a sub-package."""
