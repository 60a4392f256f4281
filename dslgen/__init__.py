"""dslgen: make a small local language model write valid scripts in a team's Tcl API and DSL."""

__version__ = "0.1.0"
