/*
 * The native side of the SSE2 execution test (test/machine/sse.test.ts): runs straight-line
 * sequences of SSE2 scalar-double instructions on the real CPU, from given general
 * registers, flags and xmm registers, and reports what they end with. Built by the test with
 * gcc, together with sse-trampoline.S; one process runs a whole batch. The sequences touch no
 * memory and raise no exception (MXCSR masks them all, as it does by default), so a signal
 * here is a failure of the harness.
 *
 * Input, on stdin, little-endian:
 *   u32 count
 *   count times:  u64 state[49]   rax .. r15, RFLAGS, then xmm0 .. xmm15 (low, high)
 *                 u32 length      of the code, which has no final `ret` (added here)
 *                 u8  code[length]
 * Output: u64 state[49] per case, as the code left it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define CODE_BYTES 65536
#define STATE_WORDS 49

extern void bedrock_sse_case(uint64_t *state, void *code);

static void read_exactly(void *into, size_t n) {
  if (n > 0 && fread(into, 1, n, stdin) != n) { fprintf(stderr, "sse-harness: input ends early\n"); exit(2); }
}

int main(void) {
  alarm(60);
  uint8_t *code = mmap(NULL, CODE_BYTES, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int rwx = code != MAP_FAILED;
  if (!rwx) {
    code = mmap(NULL, CODE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) { perror("sse-harness: mmap"); return 2; }
  }
  uint32_t count;
  read_exactly(&count, 4);
  for (uint32_t n = 0; n < count; n++) {
    uint64_t state[STATE_WORDS];
    uint32_t length;
    read_exactly(state, sizeof state);
    read_exactly(&length, 4);
    if (length >= CODE_BYTES) { fprintf(stderr, "sse-harness: case %u has %u bytes of code\n", n, length); return 2; }
    if (!rwx && mprotect(code, CODE_BYTES, PROT_READ | PROT_WRITE) != 0) { perror("sse-harness: mprotect"); return 2; }
    read_exactly(code, length);
    code[length] = 0xc3; /* ret */
    if (!rwx && mprotect(code, CODE_BYTES, PROT_READ | PROT_EXEC) != 0) { perror("sse-harness: mprotect"); return 2; }
    bedrock_sse_case(state, code);
    if (fwrite(state, 1, sizeof state, stdout) != sizeof state) { fprintf(stderr, "sse-harness: cannot write\n"); return 2; }
  }
  if (fflush(stdout) != 0) { perror("sse-harness: flush"); return 2; }
  return 0;
}
