#!/usr/bin/env tclsh
package require pdflow 1.0
set ::tech::corner ss
my::load_design -file top.def
my::set_effort -level high
my::route -net CLK -layer M3 -width 0.2
my::shield -net CLK -with VSS
my::add_buffer -net CLK -cell BUF_X4 -count 2
my::keepout -net CLK -width 0.5
# spacing and width rules for the clock and the reset
dsl {
  rule "SR2" apply_to: CLK spacing: 0.12um
  rule "W1" apply_to: RST width: 200nm layers: M2..M4
}
my::report_timing -corner ss -paths 20
my::save_design -file top_routed.def
