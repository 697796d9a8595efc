/*
 * The native side of the execution test (test/machine/execution.test.ts): runs straight-line
 * x86-64 sequences on the real CPU, from given registers and flags, and reports the
 * registers and flags they end with.
 *
 * Built by the test with gcc, together with trampoline.S; one process runs a whole batch.
 *
 * Input, on stdin, little-endian:
 *   u32 count
 *   count times:  u64 registers[16]   rax .. r15 in hardware order; [4] (rsp) is ignored
 *                 u64 rflags          only CF PF AF ZF SF OF are used
 *                 u32 length          of the code, which has no final `ret` (added here)
 *                 u8  code[length]
 * Output, on stdout, one record per case:
 *   u32 status    0 when the code returned, else the signal it raised (SIGFPE for idiv)
 *   u32 offset    with a signal: offset of the faulting instruction in the code, else 0
 *   u64 registers[16], u64 rflags    at the return, or at the faulting instruction
 *
 * A signal is caught, its registers are taken from the signal context, and the harness goes
 * on with the next case (sigsetjmp/siglongjmp). Exit status 0 unless the input is malformed.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_BYTES 65536

extern void bedrock_run_case(uint64_t *state, void *code);

static sigjmp_buf escape;
static volatile sig_atomic_t caught_signal;
static uint64_t caught_state[17];
static uint64_t caught_rip;

static void on_signal(int sig, siginfo_t *info, void *context) {
  (void)info;
  const greg_t *g = ((ucontext_t *)context)->uc_mcontext.gregs;
  caught_state[0] = (uint64_t)g[REG_RAX];
  caught_state[1] = (uint64_t)g[REG_RCX];
  caught_state[2] = (uint64_t)g[REG_RDX];
  caught_state[3] = (uint64_t)g[REG_RBX];
  caught_state[4] = (uint64_t)g[REG_RSP];
  caught_state[5] = (uint64_t)g[REG_RBP];
  caught_state[6] = (uint64_t)g[REG_RSI];
  caught_state[7] = (uint64_t)g[REG_RDI];
  caught_state[8] = (uint64_t)g[REG_R8];
  caught_state[9] = (uint64_t)g[REG_R9];
  caught_state[10] = (uint64_t)g[REG_R10];
  caught_state[11] = (uint64_t)g[REG_R11];
  caught_state[12] = (uint64_t)g[REG_R12];
  caught_state[13] = (uint64_t)g[REG_R13];
  caught_state[14] = (uint64_t)g[REG_R14];
  caught_state[15] = (uint64_t)g[REG_R15];
  caught_state[16] = (uint64_t)g[REG_EFL];
  caught_rip = (uint64_t)g[REG_RIP];
  caught_signal = sig;
  siglongjmp(escape, 1);
}

static void read_exactly(void *into, size_t n) {
  if (n > 0 && fread(into, 1, n, stdin) != n) {
    fprintf(stderr, "harness: input ends early\n");
    exit(2);
  }
}

static void write_exactly(const void *from, size_t n) {
  if (fwrite(from, 1, n, stdout) != n) {
    fprintf(stderr, "harness: cannot write the results\n");
    exit(2);
  }
}

int main(void) {
  /* A sequence is straight-line code: none should take long. */
  alarm(60);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  const int signals[] = {SIGFPE, SIGSEGV, SIGILL, SIGBUS, SIGTRAP};
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
    if (sigaction(signals[i], &sa, NULL) != 0) { perror("harness: sigaction"); return 2; }
  }

  /* One page for the code of every case: writable and executable, or, where the system
   * refuses that, writable and executable in turn. */
  int rwx = 1;
  uint8_t *code = mmap(NULL, CODE_BYTES, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) {
    rwx = 0;
    code = mmap(NULL, CODE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) { perror("harness: mmap"); return 2; }
  }

  uint32_t count;
  read_exactly(&count, 4);
  for (uint32_t n = 0; n < count; n++) {
    uint64_t state[17];
    uint32_t length;
    read_exactly(state, sizeof state);
    read_exactly(&length, 4);
    if (length >= CODE_BYTES) { fprintf(stderr, "harness: case %u has %u bytes of code\n", n, length); return 2; }
    if (!rwx && mprotect(code, CODE_BYTES, PROT_READ | PROT_WRITE) != 0) { perror("harness: mprotect"); return 2; }
    read_exactly(code, length);
    code[length] = 0xc3; /* ret */
    if (!rwx && mprotect(code, CODE_BYTES, PROT_READ | PROT_EXEC) != 0) { perror("harness: mprotect"); return 2; }

    uint32_t status = 0, offset = 0;
    caught_signal = 0;
    if (sigsetjmp(escape, 1) == 0) {
      bedrock_run_case(state, code);
    } else {
      status = (uint32_t)caught_signal;
      offset = (uint32_t)(caught_rip - (uint64_t)(uintptr_t)code);
      memcpy(state, caught_state, sizeof state);
    }
    write_exactly(&status, 4);
    write_exactly(&offset, 4);
    write_exactly(state, sizeof state);
  }
  if (fflush(stdout) != 0) { perror("harness: flush"); return 2; }
  return 0;
}
