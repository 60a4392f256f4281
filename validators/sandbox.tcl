# The Tcl side of dslgen's semantic validation: prepares a safe interpreter for one run.
# Loaded once into the validator's master interpreter (dslgen/tcl/sandbox.py); untrusted code
# runs only in the safe child it creates, never here.
#
# dslgen_prepare_sandbox NAME DISPATCH RUN_ID ALLOWED HANDLERS VARIABLES COMMANDS DEADLINE_MS RECURSION
#   ALLOWED   Tcl built-ins left visible; every other command of the safe interp is hidden
#   HANDLERS  commands aliased to "DISPATCH RUN_ID COMMAND ..." in the master (the mocks)
#   VARIABLES dict of global variable -> initial value (namespaces are created)
proc dslgen_prepare_sandbox {name dispatch run_id allowed handlers variables commands deadline_ms recursion} {
    interp create -safe $name
    dict for {var value} $variables {
        set ns [namespace qualifiers $var]
        if {$ns ne "" && $ns ne "::"} { $name eval [list namespace eval $ns {}] }
        $name eval [list set $var $value]
    }
    foreach command [$name eval {info commands}] {
        if {$command ni $allowed && $command ni $handlers} { interp hide $name $command }
    }
    foreach command [concat $handlers [list puts]] {
        interp alias $name $command {} $dispatch $run_id $command
    }
    interp recursionlimit $name $recursion
    set count [interp invokehidden $name info cmdcount]
    interp limit $name commands -value [expr {$count + $commands}]
    interp limit $name time -seconds [expr {$deadline_ms / 1000}] \
        -milliseconds [expr {$deadline_ms % 1000}] -granularity 1
}
