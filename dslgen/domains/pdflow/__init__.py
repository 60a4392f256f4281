"""pdflow: the reference domain (Tcl host + embedded `dsl { }` rule blocks), ../shared/spec/pdflow.md."""
