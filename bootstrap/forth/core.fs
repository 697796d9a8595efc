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

\ Double-number words (the Double-Number word set, without M*/).
: 2CONSTANT  ( x1 x2 "name" -- )  CREATE , , DOES> 2@ ;
: 2VARIABLE  ( "name" -- )  CREATE 0 , 0 , ;
: 2LITERAL  ( x1 x2 -- )  SWAP POSTPONE LITERAL POSTPONE LITERAL ; IMMEDIATE
: D-  ( d1 d2 -- d )  DNEGATE D+ ;
: D0=  ( d -- f )  OR 0= ;
: D0<  ( d -- f )  NIP 0< ;
: D=  ( d1 d2 -- f )  ROT = -ROT = AND ;
: D<  ( d1 d2 -- f )  ROT 2DUP = IF 2DROP U< ELSE > NIP NIP THEN ;
: DU<  ( ud1 ud2 -- f )  ROT 2DUP = IF 2DROP U< ELSE U> NIP NIP THEN ;
: D2*  ( d -- d*2 )  2DUP D+ ;
: D2/  ( d -- d/2 )  DUP 1 AND >R 2/ SWAP 1 RSHIFT R> 63 LSHIFT OR SWAP ;
: DMAX  ( d1 d2 -- d )  2OVER 2OVER D< IF 2SWAP THEN 2DROP ;
: DMIN  ( d1 d2 -- d )  2OVER 2OVER D< 0= IF 2SWAP THEN 2DROP ;
: D>S  ( d -- n )  DROP ;
: M+  ( d n -- d )  S>D D+ ;
: 2ROT  ( x1 x2 x3 x4 x5 x6 -- x3 x4 x5 x6 x1 x2 )  2>R 2SWAP 2R> 2SWAP ;

\ String words (the String word set, in part).
: /STRING  ( c-addr u n -- c-addr+n u-n )  ROT OVER + -ROT - ;
: -TRAILING  ( c-addr u -- c-addr u' )  BEGIN DUP 0> WHILE 2DUP + 1- C@ BL = WHILE 1- REPEAT THEN ;
: COMPARE  ( c-addr1 u1 c-addr2 u2 -- n )
  ROT 2DUP 2>R MIN 0 ?DO
    OVER I + C@ OVER I + C@ 2DUP <> IF > IF 1 ELSE -1 THEN NIP NIP 2R> 2DROP UNLOOP EXIT THEN 2DROP
  LOOP 2DROP 2R> 2DUP = IF 2DROP 0 ELSE < IF 1 ELSE -1 THEN THEN ;
: SEARCH  ( c-addr1 u1 c-addr2 u2 -- c-addr3 u3 flag )
  2>R 2DUP BEGIN DUP R@ >= WHILE
    OVER R@ 2R@ COMPARE 0= IF 2SWAP 2DROP 2R> 2DROP TRUE EXIT THEN 1 /STRING
  REPEAT 2DROP 2R> 2DROP FALSE ;

\ Programming tools: the control-flow stack is the data stack, an item a cell.
: CS-PICK  ( x*i u -- x*i xu )  PICK ;
: CS-ROLL  ( x*i u -- x*i' )  ROLL ;

\ Facility: structures.
: BEGIN-STRUCTURE  ( "name" -- struct-sys 0 )  CREATE HERE 0 0 , DOES> @ ;
: END-STRUCTURE  ( struct-sys n -- )  SWAP ! ;
: +FIELD  ( n1 n2 "name" -- n3 )  CREATE OVER , + DOES> @ + ;
: FIELD:  ( n1 "name" -- n2 )  ALIGNED 1 CELLS +FIELD ;
: CFIELD:  ( n1 "name" -- n2 )  1 CHARS +FIELD ;

\ Search order: a name token is a word's entry in its wordlist (newest first, shadowed ones too).
: TRAVERSE-WORDLIST  ( i*x xt wid -- j*x )
  (WL-FIRST) BEGIN DUP WHILE
    2DUP 2>R SWAP EXECUTE 0= IF 2R> 2DROP EXIT THEN
    2R> (WL-NEXT)
  REPEAT 2DROP ;

\ The File-Access word set: the host's file system through the FORTH service.
0 CONSTANT R/O
1 CONSTANT W/O
2 CONSTANT R/W
: BIN  ( fam -- fam )  ;
: INCLUDE-FILE  ( i*x fileid -- j*x )  (INCLUDE-FILE) INTERPRET (END-SOURCE) ;
: REQUIRED  ( i*x c-addr u -- j*x )  (REQUIRED) 0= IF INTERPRET (END-SOURCE) THEN ;
: REQUIRE  ( i*x "name" -- j*x )  PARSE-NAME REQUIRED ;

\ The Block word set: blocks are 1024 bytes of blocks.fb; LOAD interprets one as a line.
: LOAD  ( i*x u -- j*x )  (LOAD) INTERPRET (END-SOURCE) ;
: THRU  ( i*x u1 u2 -- j*x )  1+ SWAP ?DO I LOAD LOOP ;
