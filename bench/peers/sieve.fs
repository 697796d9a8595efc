\ The sieve of Squeak's tinyBenchmarks ('benchmark') in Forth: the program of Bedrock's
\ tiny.bytecodes, PASSES passes over 8190 flags (cells, indexed 1..8190 as in Smalltalk).
\   gforth-fast common.fs sieve.fs -e "PASSES RUNS WARMUPS bench-sieve bye"
8190 constant size
create flags size cells allot
: flag ( i -- addr ) 1- cells flags + ;
: sieve-pass ( -- count )
    0  size 1+ 1 do  true i flag !  loop
    size 1+ 1 do
        i flag @ if
            i 1+ i +                      ( count k )
            begin dup size <= while
                false over flag !
                i 1+ +
            repeat drop
            1+
        then
    loop ;
: sieve ( passes -- count ) 0 swap 0 ?do drop sieve-pass loop ;
: bench-sieve ( passes runs warmups -- ) 2>r >r ['] sieve r> 2r> timed-runs ;
