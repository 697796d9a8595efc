/*
 * bedrock_run_case: run one generated sequence natively, from and to a state block.
 *
 *   void bedrock_run_case(uint64_t *state, void *code);
 *
 * state[0..15] are rax .. r15 (state[4], rsp, is neither loaded nor stored: the code runs
 * on this stack and never names rsp), state[16] is RFLAGS. On entry only CF, PF, AF, ZF, SF
 * and OF are taken from state[16]; every other flag keeps its current value. On return
 * state[] holds the registers and RFLAGS as the code left them. The code must end in `ret`.
 *
 * Every general register but rsp is loaded, so the state pointer and the code address are
 * kept on the stack:  [rsp] = state, [rsp+8] = code  while the code runs.
 */
        .intel_syntax noprefix
        .text
        .globl  bedrock_run_case
        .type   bedrock_run_case, @function
bedrock_run_case:
        push    rbx
        push    rbp
        push    r12
        push    r13
        push    r14
        push    r15
        push    rsi                     /* [rsp+8]: the code */
        push    rdi                     /* [rsp]:   the state block */

        /* RFLAGS: the current value with CF PF AF ZF SF OF (mask 0x8d5) taken from state[16]. */
        pushfq
        pop     rax
        and     rax, -0x8d6             /* ~0x8d5 */
        mov     rcx, [rdi + 128]
        and     rcx, 0x8d5
        or      rax, rcx
        push    rax

        mov     rax, [rdi + 0]
        mov     rcx, [rdi + 8]
        mov     rdx, [rdi + 16]
        mov     rbx, [rdi + 24]
        mov     rbp, [rdi + 40]
        mov     rsi, [rdi + 48]
        mov     r8,  [rdi + 64]
        mov     r9,  [rdi + 72]
        mov     r10, [rdi + 80]
        mov     r11, [rdi + 88]
        mov     r12, [rdi + 96]
        mov     r13, [rdi + 104]
        mov     r14, [rdi + 112]
        mov     r15, [rdi + 120]
        mov     rdi, [rdi + 56]
        popfq                           /* flags last: mov changes no flags, but be plain about it */

        call    qword ptr [rsp + 8]

        pushfq                          /* [rsp] = flags, [rsp+8] = state */
        push    rdi                     /* [rsp] = rdi, [rsp+8] = flags, [rsp+16] = state */
        mov     rdi, [rsp + 16]
        mov     [rdi + 0],   rax
        mov     [rdi + 8],   rcx
        mov     [rdi + 16],  rdx
        mov     [rdi + 24],  rbx
        mov     [rdi + 40],  rbp
        mov     [rdi + 48],  rsi
        mov     [rdi + 64],  r8
        mov     [rdi + 72],  r9
        mov     [rdi + 80],  r10
        mov     [rdi + 88],  r11
        mov     [rdi + 96],  r12
        mov     [rdi + 104], r13
        mov     [rdi + 112], r14
        mov     [rdi + 120], r15
        pop     rax
        mov     [rdi + 56],  rax
        pop     rax
        mov     [rdi + 128], rax
        add     rsp, 16                 /* the state pointer and the code address */

        pop     r15
        pop     r14
        pop     r13
        pop     r12
        pop     rbp
        pop     rbx
        ret
        .size   bedrock_run_case, . - bedrock_run_case

        .section .note.GNU-stack, "", @progbits
