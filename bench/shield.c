/*
 * Gives the benchmark's server CPUs to itself for the length of a run (ws-load.ts --shield), as
 * `cset shield` or Kubernetes' static CPU manager do: every thread on the machine that may be
 * moved is moved onto the other CPUs, and put back afterwards.
 *
 *     shield REST_CPUS < pipe   # REST_CPUS: the CPUs everything else may use, as 0 or 0,2,3
 *
 * It moves the threads, writes one line to stdout ("moved N threads; M could not be moved"),
 * then waits until its stdin closes: the parent ended, however it ended, even if killed. Then it
 * puts every thread back on the CPUs it had. Threads started meanwhile get the CPUs their
 * process's first thread had, or, in a process started meanwhile with exactly REST_CPUS (it
 * inherited them), the CPUs this program started with. Threads that may not be moved are the
 * kernel's own bound threads (per-CPU threads, workqueue workers): those stay.
 *
 * The benchmark then starts the server and the spinners with their own CPUs (taskset), after this
 * has moved everything else away. Linux only; needs permission to set other processes' CPU
 * affinity (root, or CAP_SYS_NICE). Built by ws-load.ts with `cc -O2`.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct saved {
  pid_t tid;
  pid_t tgid;
  cpu_set_t cpus;
};

static struct saved *saved;
static size_t count, capacity;

static const struct saved *find(pid_t tid) {
  for (size_t i = 0; i < count; i++)
    if (saved[i].tid == tid) return &saved[i];
  return NULL;
}

/* Calls visit(tid, tgid) for each thread of each process in /proc. */
static void each_thread(void (*visit)(pid_t tid, pid_t tgid)) {
  DIR *proc = opendir("/proc");
  if (!proc) return;
  struct dirent *p;
  while ((p = readdir(proc))) {
    pid_t tgid = (pid_t)atol(p->d_name);
    if (tgid <= 0) continue;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", tgid);
    DIR *tasks = opendir(path);
    if (!tasks) continue;
    struct dirent *t;
    while ((t = readdir(tasks))) {
      pid_t tid = (pid_t)atol(t->d_name);
      if (tid > 0) visit(tid, tgid);
    }
    closedir(tasks);
  }
  closedir(proc);
}

static cpu_set_t rest, initial;
static size_t moved, refused;

static void shield(pid_t tid, pid_t tgid) {
  if (tgid == getpid() || find(tid)) return;
  cpu_set_t cpus;
  if (sched_getaffinity(tid, sizeof cpus, &cpus) != 0) return; /* it ended */
  if (sched_setaffinity(tid, sizeof rest, &rest) != 0) {
    if (errno != ESRCH) refused++;
    return;
  }
  if (count == capacity) {
    capacity = capacity ? capacity * 2 : 256;
    saved = realloc(saved, capacity * sizeof *saved);
    if (!saved) abort();
  }
  saved[count++] = (struct saved){tid, tgid, cpus};
  moved++;
}

static void restore(pid_t tid, pid_t tgid) {
  if (tgid == getpid()) return;
  const struct saved *s = find(tid);
  if (s) {
    sched_setaffinity(tid, sizeof s->cpus, &s->cpus);
    return;
  }
  const struct saved *first = find(tgid);
  if (first) {
    sched_setaffinity(tid, sizeof first->cpus, &first->cpus);
    return;
  }
  cpu_set_t cpus;
  if (sched_getaffinity(tid, sizeof cpus, &cpus) == 0 && CPU_EQUAL(&cpus, &rest)) sched_setaffinity(tid, sizeof initial, &initial);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: shield REST_CPUS < pipe\n");
    return 2;
  }
  CPU_ZERO(&rest);
  for (char *s = argv[1], *end; *s; s = end + (*end == ',')) {
    long cpu = strtol(s, &end, 10);
    if (end == s || cpu < 0 || cpu >= CPU_SETSIZE || (*end != ',' && *end != '\0')) {
      fprintf(stderr, "shield: REST_CPUS is a list of CPU numbers such as 0 or 0,2, not %s\n", argv[1]);
      return 2;
    }
    CPU_SET(cpu, &rest);
  }
  if (sched_getaffinity(0, sizeof initial, &initial) != 0) return 1;
  /* Twice: threads started while the first pass ran are caught by the second. */
  each_thread(shield);
  size_t refused_once = refused;
  refused = 0;
  each_thread(shield);
  printf("moved %zu threads; %zu could not be moved\n", moved, refused > refused_once ? refused : refused_once);
  fflush(stdout);
  /* Only the end of stdin ends it: a Ctrl-C or a SIGTERM to the whole group reaches the parent,
     whose end closes the pipe, and the threads are put back then. */
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  char buf[64];
  for (;;) {
    ssize_t r = read(0, buf, sizeof buf);
    if (r > 0 || (r < 0 && errno == EINTR)) continue;
    break;
  }
  each_thread(restore);
  return 0;
}
