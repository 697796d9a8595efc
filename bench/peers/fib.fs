\ Recursive fib in Forth: the program of Bedrock's sends.fib, with a call to a colon
\ definition where Bedrock sends a message. Run with common.fs:
\   gforth-fast common.fs fib.fs -e "N RUNS WARMUPS bench-fib bye"
: fib ( n -- fib ) dup 2 < if exit then dup 1- recurse swap 2 - recurse + ;
: bench-fib ( n runs warmups -- ) 2>r >r ['] fib r> 2r> timed-runs ;
