#!/usr/bin/env tclsh
package require pdflow 1.0
my::load_design -file top.def
my::create_net -name CLK -type clock
foreach n {CLK DATA} {
  my::route -net $n -layer M2
}
