\ A call-heavy loop in Forth: the program of Bedrock's tiny.sends and tiny.leaf-sends, ten
\ calls a turn to a colon definition that leaves its argument (Forth calls: no dynamic
\ dispatch, and gforth copies no definition into its caller, so this one loop is the peer of
\ both).
\   gforth-fast common.fs sends.fs -e "TURNS RUNS WARMUPS bench-sends bye"
: ping ( x -- x ) ;
: sends ( turns -- turns )
    0 over 0 ?do ping ping ping ping ping ping ping ping ping ping loop drop ;
: bench-sends ( turns runs warmups -- ) 2>r >r ['] sends r> 2r> timed-runs ;
