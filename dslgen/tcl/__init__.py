"""Tcl, the host language: word splitting, the real-Tcl syntax check and the safe interpreter."""
