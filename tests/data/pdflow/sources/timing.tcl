#!/usr/bin/env tclsh
package require pdflow 1.0
set ::tech::corner tt
set width 0.3
my::load_design -file soc.def
my::set_effort -level medium
my::create_net -name SYNC_0 -type signal
my::create_net -name SYNC_1 -type signal
proc shield_clock {net supply} {
  my::route -net $net -layer M5 -width 0.3
  my::shield -net $net -with $supply
}
foreach clk {CLK CLK_DIV} {
  shield_clock $clk VDD
}
dsl {
  group "CLOCKS" nets: [CLK, CLK_DIV]
  group "SYNC" nets: [SYNC_0, SYNC_1]
  rule "CK_SP" apply_to: @CLOCKS spacing: 0.3um shield: VSS
}
my::route -net SYNC_0 -layer M2 -width $width
my::route -net SYNC_1 -layer M2
dsl {
  rule "SYNC_W" apply_to: @SYNC width: 0.08um layers: M1..M3
  rule "ALL_ML" apply_to: * max_length: 2000um
}
foreach corner {ss ff} {
  my::report_timing -corner $corner -paths 50
}
my::save_design -file soc_routed.def
