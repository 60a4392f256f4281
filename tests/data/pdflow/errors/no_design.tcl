#!/usr/bin/env tclsh
package require pdflow 1.0
my::create_net -name CLK -type clock
my::load_design -file top.def
