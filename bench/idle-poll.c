/*
 * Keeps one CPU from halting while it has nothing else to run (ws-load.ts --idle-poll): a loop of
 * PAUSE instructions under SCHED_IDLE, the lowest-priority policy, so that any other task that
 * becomes runnable on the CPU takes it at once. Like booting with `idle=poll`, the CPU never
 * halts; unlike it, a wake-up from another CPU still takes an interrupt to preempt this loop.
 *
 * Why a benchmark wants this on a VM: a halted vCPU is woken by the hypervisor, and on the
 * machines these benchmarks ran on that sometimes took 100 ms (bench/RESULTS.md, traced with
 * sched_switch: the server's CPU went idle and the wake-up for the next publish arrived 100 ms
 * later, while the other CPU ran on). A vCPU that never halts takes the wake-up as an
 * interrupt while running. It costs the whole CPU's time, given only to what has nothing
 * better to do.
 *
 *     taskset -c 1 idle-poll [PARENT_PID]   # until killed, or until its parent (PARENT_PID) ends
 *
 * Built by ws-load.ts with `cc -O2` (Linux; PAUSE on x86, YIELD on ARM, an empty loop elsewhere).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#else
  __asm__ volatile("" ::: "memory");
#endif
}

int main(int argc, char **argv) {
  /* Killed with the process that started it (its pid is argv[1]), even if that one dies first. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return 1;
  if (argc > 1 && getppid() != (pid_t)atol(argv[1])) return 1; /* it died before the line above */
  struct sched_param none = {0};
  if (sched_setscheduler(0, SCHED_IDLE, &none) != 0) {
    fprintf(stderr, "idle-poll: SCHED_IDLE refused: %s\n", strerror(errno));
    return 1;
  }
  for (;;) relax();
}
