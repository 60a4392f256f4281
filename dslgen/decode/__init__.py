"""Constrained decoding: sample k scripts under the domain's grammar, validate, pick, repair."""
