#!/usr/bin/env tclsh
package require pdflow 1.0
my::load_design -file core.odb
my::create_net -name CLK -type clock
foreach n {DATA_0 DATA_1 DATA_2 DATA_3} {
  my::create_net -name $n
}
foreach n {DATA_0 DATA_1 DATA_2 DATA_3} {
  my::route -net $n -layer M2 -width 0.1
}
my::route -net CLK -layer M4
dsl {
  group "BUS" nets: [DATA_0, DATA_1, DATA_2, DATA_3]
  rule "BUS_SP" apply_to: @BUS spacing: 0.2um max_length: 500um
  layer M2 direction: horizontal pitch: 0.2um
  layer M3 direction: vertical pitch: 250nm
}
my::save_design -file core_routed.odb
