#!/usr/bin/env tclsh
package require pdflow 1.0
my::load_design -file top.def
exec touch /tmp/dslgen_exec_witness
