/*
 * Keeps one CPU from halting while it has nothing else to run (ws-load.ts --idle-poll): a loop of
 * PAUSE instructions at the scheduler's lowest priority (SCHED_IDLE), so that any other task
 * that becomes runnable on the CPU takes it at once. It does what booting with `idle=poll`, or
 * the haltpoll cpuidle driver, does for a guest's idle loop.
 *
 * Why a benchmark wants this on a VM: a halted vCPU is woken by the hypervisor, and on the
 * machines these benchmarks ran on that sometimes took 100 ms (bench/RESULTS.md, traced with
 * sched_switch: the server's CPU went idle and the wake-up for the next publish arrived 100 ms
 * later, while the other CPU ran on). A vCPU that never halts takes the wake-up as an
 * interrupt while running. It costs the whole CPU's time, given only to what has nothing
 * better to do.
 *
 *     taskset -c 1 idle-poll          # until killed, or until the process that started it ends
 *
 * Built by ws-load.ts with `cc -O2` (Linux).
 * Built by ws-load.ts with `cc -O2` (Linux, x86-64 or any architecture GCC's
 * __builtin_ia32_pause is replaced for below).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
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

int main(void) {
  /* Never outlive the benchmark: killed with it, even if it dies without killing this. */
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) return 1;
  struct sched_param none = {0};
  if (sched_setscheduler(0, SCHED_IDLE, &none) != 0) {
    fprintf(stderr, "idle-poll: SCHED_IDLE refused: %s\n", strerror(errno));
    return 1;
  }
  for (;;) relax();
}
