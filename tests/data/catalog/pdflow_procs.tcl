# pdflow 1.0: the host procs of the reference flow.
#
# Every public proc is documented in the comment convention that `dslgen catalog extract` reads
# (docs/catalog-extract.md), so catalog/pdflow.json can be regenerated from this file.

package provide pdflow 1.0

namespace eval my {
    variable state [dict create design "" saved "" effort "" nets {} instances {} reports {}]

    # Split "-flag value" pairs of ARGV into a dict, over DEFAULTS; unknown flags are errors.
    proc _flags {caller argv allowed defaults} {
        if {[llength $argv] % 2 != 0} {
            error "$caller: flags come in -flag value pairs, got: $argv"
        }
        set opts $defaults
        foreach {flag value} $argv {
            if {$flag ni $allowed} {
                error "$caller: unknown flag $flag; expected one of [join $allowed {, }]"
            }
            dict set opts $flag $value
        }
        return $opts
    }

    proc _require {caller opts required} {
        foreach flag $required {
            if {![dict exists $opts $flag]} {
                error "$caller: missing flag $flag"
            }
        }
    }

    proc _one_of {caller flag value allowed} {
        if {$value ni $allowed} {
            error "$caller: $flag $value is not one of [join $allowed |]"
        }
    }

    proc _in_range {caller flag value lo hi {lo_open 0}} {
        if {![string is double -strict $value]} {
            error "$caller: $flag $value is not a number"
        }
        set below [expr {$lo_open ? $value <= $lo : $value < $lo}]
        if {$below || ($hi ne "" && $value > $hi)} {
            error "$caller: $flag $value is out of range"
        }
    }

    proc _design_loaded {caller} {
        variable state
        if {[dict get $state design] eq ""} {
            error "$caller: no design loaded; call my::load_design first"
        }
    }

    proc _net_exists {caller net} {
        variable state
        if {![dict exists $state nets $net]} {
            error "$caller: unknown net $net"
        }
    }

    # Load the design database to work on.
    # @flag -file path(.def|.odb) required design file, ending .def or .odb
    # @effects design = PATH; must come before any proc that touches nets or instances
    # @example my::load_design -file top.def
    # @note Call it once, before routing, placing or creating nets.
    proc load_design {args} {
        variable state
        set opts [_flags my::load_design $args {-file} {}]
        _require my::load_design $opts {-file}
        set file [dict get $opts -file]
        if {[file extension $file] ni {.def .odb}} {
            error "my::load_design: -file $file must end .def or .odb"
        }
        dict set state design $file
        return $file
    }

    # Save the design database.
    # @flag -file path required output file
    # @effects saved = PATH
    # @example my::save_design -file top_routed.def
    proc save_design {args} {
        variable state
        set opts [_flags my::save_design $args {-file} {}]
        _require my::save_design $opts {-file}
        dict set state saved [dict get $opts -file]
    }

    # Create a new net.
    # @flag -name name required net name, e.g. CLK or DATA_3
    # @flag -type enum(signal|clock|power|ground) default=signal net type
    # @returns the net name
    # @effects adds a net; error if it exists
    # @requires_design
    # @example my::create_net -name CLK -type clock
    # @example my::create_net -name DATA_3
    proc create_net {args} {
        variable state
        _design_loaded my::create_net
        set opts [_flags my::create_net $args {-name -type} {-type signal}]
        _require my::create_net $opts {-name}
        set name [dict get $opts -name]
        _one_of my::create_net -type [dict get $opts -type] {signal clock power ground}
        if {[dict exists $state nets $name]} {
            error "my::create_net: net $name already exists"
        }
        dict set state nets $name [dict create type [dict get $opts -type] route {} \
            keepout {} shield {} buffers {}]
        return $name
    }
}

# Route a net on a metal layer.
# @flag -net net required an existing net
# @flag -layer enum(M1|M2|M3|M4|M5|M6) required metal layer
# @flag -width float[0.05,2.0] default=0.1 unit=um wire width in micrometres
#   (no unit suffix)
# @effects nets[NET].route = {layer, width}; routing again replaces
# @requires_design
# @example my::route -net CLK -layer M3
# @example my::route -net DATA_3 -layer M2 -width 0.2
proc my::route {args} {
    variable state
    _design_loaded my::route
    set opts [_flags my::route $args {-net -layer -width} {-width 0.1}]
    _require my::route $opts {-net -layer}
    set net [dict get $opts -net]
    _net_exists my::route $net
    _one_of my::route -layer [dict get $opts -layer] {M1 M2 M3 M4 M5 M6}
    _in_range my::route -width [dict get $opts -width] 0.05 2.0
    dict set state nets $net route \
        [dict create layer [dict get $opts -layer] width [dict get $opts -width]]
}

# Keep other wires away from a net.
# @flag -net net required an existing net
# @flag -width float(0,10] required unit=um keepout width in micrometres, above 0 and at most 10
# @effects nets[NET].keepout = W
# @requires_design
# @example my::keepout -net CLK -width 0.5
proc my::keepout {args} {
    variable state
    _design_loaded my::keepout
    set opts [_flags my::keepout $args {-net -width} {}]
    _require my::keepout $opts {-net -width}
    _net_exists my::keepout [dict get $opts -net]
    _in_range my::keepout -width [dict get $opts -width] 0 10 1
    dict set state nets [dict get $opts -net] keepout [dict get $opts -width]
}

# Shield a signal or clock net with a supply.
# @flag -net net required an existing signal or clock net
# @flag -with enum(VSS|VDD) required shielding supply
# @effects nets[NET].shield = SUPPLY; error on a power or ground net
# @requires_design
# @example my::shield -net CLK -with VSS
proc my::shield {args} {
    variable state
    _design_loaded my::shield
    set opts [_flags my::shield $args {-net -with} {}]
    _require my::shield $opts {-net -with}
    set net [dict get $opts -net]
    _net_exists my::shield $net
    _one_of my::shield -with [dict get $opts -with] {VSS VDD}
    if {[dict get $state nets $net type] in {power ground}} {
        error "my::shield: $net is a supply net and cannot be shielded"
    }
    dict set state nets $net shield [dict get $opts -with]
}

# Add buffers to a net.
# @flag -net net required an existing net
# @flag -cell enum(BUF_X1|BUF_X2|BUF_X4|BUF_X8) required buffer cell
# @flag -count int[1,64] default=1 how many buffers
# @effects nets[NET].buffers[cell] += N
# @requires_design
# @example my::add_buffer -net CLK -cell BUF_X4 -count 2
proc my::add_buffer {args} {
    variable state
    _design_loaded my::add_buffer
    set opts [_flags my::add_buffer $args {-net -cell -count} {-count 1}]
    _require my::add_buffer $opts {-net -cell}
    set net [dict get $opts -net]
    set cell [dict get $opts -cell]
    _net_exists my::add_buffer $net
    _one_of my::add_buffer -cell $cell {BUF_X1 BUF_X2 BUF_X4 BUF_X8}
    set count [dict get $opts -count]
    if {![string is integer -strict $count] || $count < 1 || $count > 64} {
        error "my::add_buffer: -count $count is not an integer 1..64"
    }
    set have 0
    if {[dict exists $state nets $net buffers $cell]} {
        set have [dict get $state nets $net buffers $cell]
    }
    dict set state nets $net buffers $cell [expr {$have + $count}]
}

namespace eval my {
    # Place a cell instance.
    # @flag -inst name required new instance name
    # @flag -cell name required library cell
    # @flag -x float[0,] required unit=um x in micrometres, >= 0
    # @flag -y float[0,] required unit=um y in micrometres, >= 0
    # @flag -orient enum(N|S|E|W|FN|FS) default=N orientation
    # @effects instances[NAME] = {cell, x, y, orient}; error if NAME exists
    # @requires_design
    # @example my::place -inst U1 -cell NAND2_X1 -x 10 -y 20
    # @example my::place -inst U2 -cell INV_X2 -x 0 -y 5.5 -orient FN
    proc place {args} {
        variable state
        _design_loaded my::place
        set opts [_flags my::place $args {-inst -cell -x -y -orient} {-orient N}]
        _require my::place $opts {-inst -cell -x -y}
        set inst [dict get $opts -inst]
        if {[dict exists $state instances $inst]} {
            error "my::place: instance $inst already exists"
        }
        _in_range my::place -x [dict get $opts -x] 0 ""
        _in_range my::place -y [dict get $opts -y] 0 ""
        _one_of my::place -orient [dict get $opts -orient] {N S E W FN FS}
        dict set state instances $inst [dict create cell [dict get $opts -cell] \
            x [dict get $opts -x] y [dict get $opts -y] orient [dict get $opts -orient]]
    }

    # Set the tool effort level.
    # @flag -level enum(low|medium|high) required effort level
    # @effects effort = LEVEL
    # @example my::set_effort -level high
    proc set_effort {args} {
        variable state
        set opts [_flags my::set_effort $args {-level} {}]
        _require my::set_effort $opts {-level}
        _one_of my::set_effort -level [dict get $opts -level] {low medium high}
        dict set state effort [dict get $opts -level]
    }

    # Report timing at a corner.
    # @flag -corner enum(tt|ss|ff) required process corner
    # @flag -paths int[1,100] default=10 number of paths
    # @effects appends {corner, paths} to reports
    # @example my::report_timing -corner ss -paths 20
    proc report_timing {args} {
        variable state
        set opts [_flags my::report_timing $args {-corner -paths} {-paths 10}]
        _require my::report_timing $opts {-corner}
        _one_of my::report_timing -corner [dict get $opts -corner] {tt ss ff}
        dict lappend state reports \
            [dict create corner [dict get $opts -corner] paths [dict get $opts -paths]]
    }
}

# Old router entry point.
# @flag -net net required
# @flag -layer enum(M1|M2|M3|M4|M5|M6) required
# @deprecated 1.0 my::route
# @note Deprecated since 1.0 and forbidden by policy: use my::route.
proc my::legacy_route {args} {
    puts stderr "my::legacy_route is deprecated since 1.0: use my::route"
    tailcall my::route {*}$args
}
