/*
 * bedrock_sse_case: run one generated SSE2 sequence natively, from and to a state block.
 *
 *   void bedrock_sse_case(uint64_t *state, void *code);
 *
 * state[0..15] are rax .. r15 (state[4], rsp, is neither loaded nor stored), state[16] is
 * RFLAGS (only CF PF AF ZF SF OF are taken from it), state[17 + 2i] and state[18 + 2i] are
 * the low and high 64 bits of xmm i. On return state[] holds what the code left. The code
 * must end in `ret`. As trampoline.S, with the sixteen xmm registers besides.
 */
        .intel_syntax noprefix
        .text
        .globl  bedrock_sse_case
        .type   bedrock_sse_case, @function
bedrock_sse_case:
        push    rbx
        push    rbp
        push    r12
        push    r13
        push    r14
        push    r15
        push    rsi                     /* [rsp+8]: the code */
        push    rdi                     /* [rsp]:   the state block */

        movdqu  xmm0,  [rdi + 136 + 0*16]
        movdqu  xmm1,  [rdi + 136 + 1*16]
        movdqu  xmm2,  [rdi + 136 + 2*16]
        movdqu  xmm3,  [rdi + 136 + 3*16]
        movdqu  xmm4,  [rdi + 136 + 4*16]
        movdqu  xmm5,  [rdi + 136 + 5*16]
        movdqu  xmm6,  [rdi + 136 + 6*16]
        movdqu  xmm7,  [rdi + 136 + 7*16]
        movdqu  xmm8,  [rdi + 136 + 8*16]
        movdqu  xmm9,  [rdi + 136 + 9*16]
        movdqu  xmm10, [rdi + 136 + 10*16]
        movdqu  xmm11, [rdi + 136 + 11*16]
        movdqu  xmm12, [rdi + 136 + 12*16]
        movdqu  xmm13, [rdi + 136 + 13*16]
        movdqu  xmm14, [rdi + 136 + 14*16]
        movdqu  xmm15, [rdi + 136 + 15*16]

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
        popfq

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
        movdqu  [rdi + 136 + 0*16],  xmm0
        movdqu  [rdi + 136 + 1*16],  xmm1
        movdqu  [rdi + 136 + 2*16],  xmm2
        movdqu  [rdi + 136 + 3*16],  xmm3
        movdqu  [rdi + 136 + 4*16],  xmm4
        movdqu  [rdi + 136 + 5*16],  xmm5
        movdqu  [rdi + 136 + 6*16],  xmm6
        movdqu  [rdi + 136 + 7*16],  xmm7
        movdqu  [rdi + 136 + 8*16],  xmm8
        movdqu  [rdi + 136 + 9*16],  xmm9
        movdqu  [rdi + 136 + 10*16], xmm10
        movdqu  [rdi + 136 + 11*16], xmm11
        movdqu  [rdi + 136 + 12*16], xmm12
        movdqu  [rdi + 136 + 13*16], xmm13
        movdqu  [rdi + 136 + 14*16], xmm14
        movdqu  [rdi + 136 + 15*16], xmm15
        add     rsp, 16                 /* the state pointer and the code address */

        pop     r15
        pop     r14
        pop     r13
        pop     r12
        pop     rbp
        pop     rbx
        ret
        .size   bedrock_sse_case, . - bedrock_sse_case

        .section .note.GNU-stack, "", @progbits
