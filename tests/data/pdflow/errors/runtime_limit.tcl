#!/usr/bin/env tclsh
package require pdflow 1.0
my::load_design -file top.def
while 1 {}
