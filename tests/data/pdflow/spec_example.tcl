#!/usr/bin/env tclsh
package require pdflow 1.0
set ::tech::corner tt
my::load_design -file top.def
my::create_net -name CLK -type clock
my::route -net CLK -layer M3
# spacing rule for the clock
dsl {
  rule "SR2" apply_to: CLK spacing: 0.12um
}
my::save_design -file top_routed.def
