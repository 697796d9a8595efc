\ The Forth words written in Forth, loaded once when a system first uses Forth
\ (src/forth/forth.ts). The primitives are machine code (primitives.ts); the
\ text interpreter's and compiler's words are host words of the FORTH service.

32 CONSTANT BL
-1 CONSTANT TRUE
0 CONSTANT FALSE
8 CONSTANT CELL

: DECIMAL  10 BASE ! ;
: HEX  16 BASE ! ;
: COUNT  ( c-addr -- c-addr+1 u )  DUP CHAR+ SWAP C@ ;
: 2!  ( x1 x2 a -- )  SWAP OVER ! CELL+ ! ;
: 2@  ( a -- x1 x2 )  DUP CELL+ @ SWAP @ ;
: ERASE  ( a u -- )  0 FILL ;
: BLANK  ( a u -- )  BL FILL ;
: WITHIN  ( n lo hi -- f )  OVER - >R - R> U< ;
: -ROT  ( a b c -- c a b )  ROT ROT ;

\ Double-cell arithmetic on UM* (machine code) and SM/REM (the machine's idiv).
: D+  ( d1 d2 -- d )  ROT + >R OVER + DUP ROT U< NEGATE R> + ;
: DNEGATE  ( d -- -d )  SWAP INVERT SWAP INVERT 1 0 D+ ;
: DABS  ( d -- ud )  DUP 0< IF DNEGATE THEN ;
: M*  ( n1 n2 -- d )  2DUP XOR >R ABS SWAP ABS UM* R> 0< IF DNEGATE THEN ;
: FM/MOD  ( d n -- rem quot )
  DUP >R SM/REM
  OVER DUP 0<> SWAP 0< R@ 0< XOR AND
  IF 1- SWAP R> + SWAP ELSE R> DROP THEN ;
: */MOD  ( n1 n2 n3 -- rem quot )  >R M* R> SM/REM ;
: */  ( n1 n2 n3 -- n )  */MOD NIP ;

\ Sources: the outer interpreter (INTERPRET) runs over a source the host pushes.
: EVALUATE  ( c-addr u -- )  (EVALUATE) INTERPRET (END-SOURCE) ;
: INCLUDED  ( c-addr u -- )  (INCLUDED) INTERPRET (END-SOURCE) ;
: INCLUDE  ( "name" -- )  PARSE-NAME INCLUDED ;
: ?  ( a -- )  @ . ;
