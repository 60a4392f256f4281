#!/usr/bin/env tclsh
package require pdflow 1.0
my::load_design -file top.def
my::create_net -name CLK -type clock
dsl {
  rule "SR2" apply_to: CLK spacing: 0.12
}
