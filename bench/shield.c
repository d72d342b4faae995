/*
 * Gives the benchmark's server CPUs to the server alone for the length of a run (ws-load.ts
 * --shield), as `cset shield` or Kubernetes' static CPU manager do: every thread on the machine
 * that may be moved is moved off those CPUs, and put back afterwards.
 *
 *     shield SERVER_CPUS < pipe   # SERVER_CPUS: the CPUs to clear, as 1 or 1,3
 *
 * The other CPUs are those this program may run on, less SERVER_CPUS. It moves the threads
 * (pass after pass, until one finds nothing new), writes one line to stdout:
 *
 *     moved N threads; B could not be moved (the kernel's bound threads); P refused (no permission)
 *
 * then waits until its stdin closes: its parent ended, however it ended. It ignores SIGINT,
 * SIGTERM, SIGHUP and SIGPIPE, so that a Ctrl-C or a signal to the whole process group ends the
 * parent and not it (ws-load.ts also starts it in a process group of its own); only a SIGKILL
 * sent to it can stop it before it puts the threads back. Then it puts every thread it moved
 * back on the CPUs it had, unless the thread has set its own CPUs meanwhile (its CPUs are no
 * longer exactly the other CPUs), writes "restored N threads; F failed" and exits with 1 if
 * any failed. Threads started meanwhile in a process it moved get that process's first thread's
 * CPUs; those of a process started meanwhile, if they have exactly the other CPUs (inherited),
 * get the CPUs this program started with.
 *
 * Threads that may not be moved are the kernel's own bound threads (per-CPU threads, workqueue
 * workers): those stay. It needs permission to set other processes' CPU affinity (root, or
 * CAP_SYS_NICE); threads it was refused are counted, and ws-load.ts then stops. Linux only,
 * up to CPU_SETSIZE (1,024) CPUs. Built by ws-load.ts with `cc -O2`.
 *
 * If it was killed with SIGKILL, every process's CPUs can be reset by hand (as root):
 *     for p in $(ls /proc | grep -E '^[0-9]+$'); do taskset -a -p -c 0-$(($(nproc --all) - 1)) $p; done
 * That puts every thread on every CPU, also those that had chosen their own before (RabbitMQ's
 * scheduler threads bind themselves to one CPU each, and some interrupt threads are bound): such
 * a service is best restarted after it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every thread seen when moving them: its CPUs then, and whether it was moved. */
struct saved {
  pid_t tid;
  pid_t tgid;
  int moved;
  cpu_set_t cpus;
};

static struct saved *saved;
static size_t count, capacity;

static const struct saved *find(pid_t tid, pid_t tgid) {
  for (size_t i = 0; i < count; i++)
    if (saved[i].tid == tid && saved[i].tgid == tgid) return &saved[i];
  return NULL;
}

/* Calls visit(tid, tgid) for each thread of each process in /proc; 0, or -1 if /proc is not there. */
static int each_thread(void (*visit)(pid_t tid, pid_t tgid)) {
  DIR *proc = opendir("/proc");
  if (!proc) return -1;
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
  return 0;
}

static cpu_set_t rest, initial;
static size_t moved, bound, refused, restored, failed;

static void shield(pid_t tid, pid_t tgid) {
  if (tgid == getpid() || find(tid, tgid)) return;
  cpu_set_t cpus;
  if (sched_getaffinity(tid, sizeof cpus, &cpus) != 0) return; /* it ended */
  if (count == capacity) {
    size_t more = capacity ? capacity * 2 : 256;
    struct saved *grown = realloc(saved, more * sizeof *saved);
    if (!grown) return; /* not moved: it could not be put back */
    saved = grown;
    capacity = more;
  }
  if (sched_setaffinity(tid, sizeof rest, &rest) != 0) {
    if (errno == ESRCH) return;
    if (errno == EPERM) refused++;
    else bound++;
    saved[count++] = (struct saved){tid, tgid, 0, cpus};
    return;
  }
  saved[count++] = (struct saved){tid, tgid, 1, cpus};
  moved++;
}

/* `was_moved`: this program moved the thread, so any failure to put it back is one. */
static void put_back(pid_t tid, const cpu_set_t *cpus, int was_moved) {
  cpu_set_t now;
  /* Ended, or has set its own CPUs since: left as it is. */
  if (sched_getaffinity(tid, sizeof now, &now) != 0 || !CPU_EQUAL(&now, &rest)) return;
  if (sched_setaffinity(tid, sizeof *cpus, cpus) == 0) restored++;
  /* EINVAL for one it did not move: a kernel thread started meanwhile, bound to those CPUs. */
  else if (errno != ESRCH && (was_moved || errno != EINVAL)) failed++;
}

static void restore(pid_t tid, pid_t tgid) {
  if (tgid == getpid()) return;
  const struct saved *s = find(tid, tgid);
  if (s) {
    if (s->moved) put_back(tid, &s->cpus, 1);
    return;
  }
  /* Started meanwhile: in a process that was there, or in a new one. */
  const struct saved *first = find(tgid, tgid);
  if (!first) put_back(tid, &initial, 0);
  else if (first->moved) put_back(tid, &first->cpus, 0);
}

/* A list of CPU numbers, "1" or "1,3", into `cpus`; 0, or -1 if it is not one. */
static int parse_cpus(const char *list, cpu_set_t *cpus) {
  CPU_ZERO(cpus);
  const char *s = list;
  for (;;) {
    if (!isdigit((unsigned char)*s)) return -1;
    char *end;
    long cpu = strtol(s, &end, 10);
    if (cpu >= CPU_SETSIZE) return -1;
    CPU_SET(cpu, cpus);
    if (*end == '\0') return 0;
    if (*end != ',') return -1;
    s = end + 1;
  }
}

int main(int argc, char **argv) {
  /* Only the end of stdin ends it (see above). */
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  cpu_set_t server;
  if (argc != 2 || parse_cpus(argv[1], &server) != 0) {
    fprintf(stderr, "usage: shield SERVER_CPUS < pipe   (SERVER_CPUS: CPU numbers such as 1 or 1,3)\n");
    return 2;
  }
  if (sched_getaffinity(0, sizeof initial, &initial) != 0) {
    fprintf(stderr, "shield: cannot read its own CPUs: %s\n", strerror(errno));
    return 1;
  }
  CPU_XOR(&rest, &initial, &server);
  CPU_AND(&rest, &rest, &initial);
  if (CPU_COUNT(&rest) == 0) {
    fprintf(stderr, "shield: no CPU is left for everything else: it may run on %d, all of them in %s\n", CPU_COUNT(&initial), argv[1]);
    return 2;
  }
  /* Until a pass moves nothing: threads started during a pass are caught by the next. */
  for (int pass = 0; pass < 10; pass++) {
    size_t before = moved;
    if (each_thread(shield) != 0) {
      fprintf(stderr, "shield: cannot read /proc: %s\n", strerror(errno));
      return 1;
    }
    if (moved == before) break;
  }
  printf("moved %zu threads; %zu could not be moved (the kernel's bound threads); %zu refused (no permission)\n", moved, bound, refused);
  fflush(stdout);
  char buf[64];
  for (;;) {
    ssize_t r = read(0, buf, sizeof buf);
    if (r > 0 || (r < 0 && errno == EINTR)) continue;
    break;
  }
  each_thread(restore);
  printf("restored %zu threads; %zu failed\n", restored, failed);
  fflush(stdout);
  return failed > 0 ? 1 : 0;
}
