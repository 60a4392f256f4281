#!/usr/bin/env tclsh
package require pdflow 1.0
set ::flow::max_fanout 32
my::load_design -file chip.def
proc place_row {prefix y count} {
  for {set i 0} {$i < $count} {incr i} {
    my::place -inst ${prefix}_$i -cell INV_X1 -x [expr {$i * 2.5}] -y $y
  }
}
place_row U 10 4
my::place -inst U_CTRL -cell NAND2_X1 -x 20 -y 0 -orient FN
my::place -inst U_BUF -cell BUF_X2 -x 30.5 -y 5 -orient S
my::create_net -name SCAN_EN -type signal
my::route -net SCAN_EN -layer M1 -width 0.05
if {$::flow::max_fanout > 16} {
  my::add_buffer -net EN -cell BUF_X8 -count 4
} else {
  my::add_buffer -net EN -cell BUF_X2
}
puts "placed [llength {U_CTRL U_BUF}] cells"
my::save_design -file chip_placed.def
