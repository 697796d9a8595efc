\ Shared by the Forth peers: run a benchmark word WARMUPS times untimed, then RUNS times
\ timed, each timed run printing "RESULT MICROSECONDS" (timed inside gforth with utime, so
\ start-up is not counted). E.g. gforth-fast common.fs fib.fs -e "N RUNS WARMUPS bench-fib bye"
variable bench-xt   \ the benchmark: ( n -- result )
variable bench-n
: bench-once ( -- result ) bench-n @ bench-xt @ execute ;
: .result-and-time ( result ud-start -- )
    utime 2swap d- d>s swap 0 .r space 0 .r cr ;
: timed-runs ( xt n runs warmups -- )
    2swap bench-n ! bench-xt !
    0 ?do bench-once drop loop
    0 ?do utime 2>r bench-once 2r> .result-and-time loop ;
