"""Decoding grammars compiled from the symbol catalog."""
