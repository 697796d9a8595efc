/*
 * Kernel>>send's shape as the translator recognises it (kernel/machine/wasm/sendshape.ts), as
 * assembly for tests of the calls it does inline (inline-send.test.ts) and of the callees it
 * copies behind it (inlined-callees.test.ts): the class register C rcx, the receiver R r11,
 * the site T r10 (its key at [r10+8], its entry at [r10+16]); a number's class is 5.
 */
export const SEND = `
  lar rcx, r11
  cmp rcx, 1
  jne notObject
  mov rcx, [r11-8]
  shr rcx, 47
  cmp rcx, [r10+8]
  jne miss
  jmp [r10+16]
notObject:
  ja miss
  cmp qword ptr [r10+8], 5
  jne miss
  jmp [r10+16]
miss:
  mov rax, -1
  ret`;
