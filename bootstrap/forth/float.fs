\ The Floating-Point word set's words written in Forth (src/forth/forth.ts loads this after
\ core.fs). The arithmetic, the stack words and the memory words are machine code
\ (FLOAT_PRIMITIVES in primitives.ts); F. FE. FS. REPRESENT >FLOAT are host words (floats.ts);
\ what is not one instruction (FSIN FLN ...) is Smalltalk's Float (floatmath.bedrock), reached by
\ (FSEND), which sends a selector to Floats made of the float stack's top items.

: F,  ( F: r -- )  HERE 1 FLOATS ALLOT F! ;
: FALIGN  ( -- )  ALIGN ;
: DFALIGN  ( -- )  ALIGN ;
: SFALIGN  ( -- )  HERE SFALIGNED HERE - ALLOT ;
: FVARIABLE  ( "name" -- )  CREATE 0 S>F F, ;
: FCONSTANT  ( F: r -- ) ( "name" -- )  CREATE F, DOES> F@ ;
: F2*  ( F: r -- 2r )  2E F* ;
: F2/  ( F: r -- r/2 )  0.5E F* ;
: 1/F  ( F: r -- 1/r )  1E FSWAP F/ ;
: FMOD  ( F: r1 r2 -- r )  FOVER FOVER F/ FTRUNC F* F- ;

\ F~ ( F: r1 r2 r3 -- ) ( -- flag ): r3 > 0: |r1-r2| < r3; r3 zero: the same bits; r3 < 0:
\ |r1-r2| < |r3| * (|r1|+|r2|).
: F~  ( F: r1 r2 r3 -- ) ( -- flag )
  FDUP F0= IF FDROP F>BITS F>BITS = EXIT THEN
  FDUP F0> IF FROT FROT F- FABS FSWAP F< EXIT THEN
  FNEGATE FROT FROT FOVER FOVER F- FABS FROT FABS FROT FABS F+ FROT F* F< ;

\ Through Smalltalk's Float (floatmath.bedrock): (FSEND) ( c-addr u -- ) ( F: r0 .. rn -- r ).
: FSIN  ( F: r -- r' )  S" sin" (FSEND) ;
: FCOS  ( F: r -- r' )  S" cos" (FSEND) ;
: FTAN  ( F: r -- r' )  S" tan" (FSEND) ;
: FASIN  ( F: r -- r' )  S" arcSin" (FSEND) ;
: FACOS  ( F: r -- r' )  S" arcCos" (FSEND) ;
: FATAN  ( F: r -- r' )  S" arcTan" (FSEND) ;
\ FATAN2 with a NaN answers x + y (so the NaN itself, x's first), as C's atan2 does.
: FATAN2  ( F: y x -- r )
  FOVER FDUP F= FDUP FDUP F= AND 0= IF FSWAP F+ EXIT THEN  S" arcTan:" (FSEND) ;
: FEXP  ( F: r -- r' )  S" exp" (FSEND) ;
: FLN  ( F: r -- r' )  S" ln" (FSEND) ;
: FLOG  ( F: r -- r' )  S" log" (FSEND) ;
: FSINCOS  ( F: r -- sin cos )  FDUP FSIN FSWAP FCOS ;

\ F** as C's pow answers where Smalltalk's raisedTo: would not: x^0 = 1, 1^y = 1, (-1)^inf = 1,
\ zero to a negative power an infinity (negative for -0 to an odd power), a negative number
\ to a fraction NaN.
: (FODD?)  ( F: y -- y ) ( -- flag )  FDUP FDUP 2E F/ FTRUNC 2E F* F- FABS 1E F= ;
: F**  ( F: r1 r2 -- r3 )
  FDUP F0= IF FDROP FDROP 1E EXIT THEN
  FOVER 1E F= IF FDROP EXIT THEN
  FOVER -1E F= FDUP FABS 1E 0E F/ F= AND IF FDROP FDROP 1E EXIT THEN
  FOVER F0= FDUP F0< AND IF (FODD?) FDROP F>BITS 0< AND IF -1E ELSE 1E THEN 0E F/ EXIT THEN
  FOVER F0< IF FDUP FDUP FTRUNC F= 0= IF FDROP FDROP 0E 0E F/ EXIT THEN THEN
  S" raisedTo:" (FSEND) ;
: FALOG  ( F: r -- 10^r )  10E FSWAP F** ;

\ e^x - 1 and ln(1+x) without losing the small x (W. Kahan's way: the rounding error of
\ e^x, or of 1+x, cancels in the quotient).
: FEXPM1  ( F: r -- e^r-1 )
  FDUP FABS 0.5E F< 0= IF FEXP 1E F- EXIT THEN
  FDUP FEXP FDUP 1E F= IF FDROP EXIT THEN
  FDUP 1E F- FSWAP FLN F/ F* ;
: FLNP1  ( F: r -- ln[1+r] )
  FDUP 1E16 F> IF FLN EXIT THEN
  FDUP 1E F+ FDUP 1E F= IF FDROP EXIT THEN
  FDUP 1E F- FSWAP FLN FSWAP F/ F* ;

\ The hyperbolic functions, odd ones by the sign bit (so -0 stays -0).
: FSINH  ( F: r -- sinh )
  FDUP F>BITS 0< FABS
  FDUP 22E F> IF 0.5E F* FEXP FDUP 0.5E F* F* ELSE FEXPM1 FDUP FDUP 1E F+ F/ F+ 0.5E F* THEN
  IF FNEGATE THEN ;
: FCOSH  ( F: r -- cosh )
  FABS FDUP 22E F> IF 0.5E F* FEXP FDUP 0.5E F* F* ELSE FEXP FDUP 1/F F+ 0.5E F* THEN ;
: FTANH  ( F: r -- tanh )
  FDUP F>BITS 0< FABS
  FDUP 22E F> IF FDROP 1E ELSE F2* FEXPM1 FDUP 2E F+ F/ THEN
  IF FNEGATE THEN ;
: FASINH  ( F: r -- asinh )
  FDUP F>BITS 0< FABS
  FDUP 268435456E F> IF FLN 2E FLN F+ ELSE FDUP FDUP F* FDUP 1E F+ FSQRT 1E F+ F/ F+ FLNP1 THEN
  IF FNEGATE THEN ;
: FACOSH  ( F: r -- acosh )
  FDUP 268435456E F> IF FLN 2E FLN F+ EXIT THEN
  1E F- FDUP FDUP FDUP F* FSWAP F2* F+ FSQRT F+ FLNP1 ;
: FATANH  ( F: r -- atanh )
  FDUP F>BITS 0< FABS FDUP F2* 1E FROT F- F/ FLNP1 0.5E F*
  IF FNEGATE THEN ;

\ Single floats (IEEE binary32) in memory: the machine has no conversion instruction for
\ them, so the bits are worked out here, rounding to nearest even as the hardware would.
: (RSHIFT-EVEN)  ( u n -- u' )  {: u n | q r h :}
  n 63 > IF 0 EXIT THEN
  u n RSHIFT TO q  u 1 n LSHIFT 1- AND TO r  1 n 1- LSHIFT TO h
  r h U> r h = q 1 AND 0<> AND OR IF q 1+ ELSE q THEN ;
: (F>SFBITS)  ( F: r -- ) ( -- u )
  F>BITS {: b | s e m :}
  b 0< IF $80000000 ELSE 0 THEN TO s
  b 52 RSHIFT $7FF AND TO e
  b $FFFFFFFFFFFFF AND TO m
  e $7FF = IF m IF m 29 RSHIFT $400000 OR ELSE 0 THEN $7F800000 OR s OR EXIT THEN
  e 0= IF s EXIT THEN
  m 1 52 LSHIFT OR TO m  e 896 - TO e
  e 0 <= IF m 30 e - (RSHIFT-EVEN) s OR EXIT THEN
  m 29 (RSHIFT-EVEN) TO m
  m 1 24 LSHIFT = IF m 1 RSHIFT TO m  e 1+ TO e THEN
  e 255 >= IF $7F800000 s OR EXIT THEN
  e 23 LSHIFT m $7FFFFF AND OR s OR ;
: (SFBITS>F)  ( u -- ) ( F: -- r )  {: u | s e m :}
  u $80000000 AND IF 1 63 LSHIFT ELSE 0 THEN TO s
  u 23 RSHIFT $FF AND TO e
  u $7FFFFF AND TO m
  e 255 = IF s $7FF0000000000000 OR m 29 LSHIFT OR BITS>F EXIT THEN
  e 0= IF m S>F 149 0 DO 0.5E F* LOOP s IF FNEGATE THEN EXIT THEN
  s e 896 + 52 LSHIFT OR m 29 LSHIFT OR BITS>F ;
: SF@  ( sf-addr -- ) ( F: -- r )
  DUP C@ OVER 1+ C@ 8 LSHIFT OR OVER 2 + C@ 16 LSHIFT OR SWAP 3 + C@ 24 LSHIFT OR (SFBITS>F) ;
: SF!  ( sf-addr -- ) ( F: r -- )
  (F>SFBITS) SWAP 4 0 DO 2DUP C! 1+ SWAP 8 RSHIFT SWAP LOOP 2DROP ;
