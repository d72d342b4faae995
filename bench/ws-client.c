/*
 * The client process of the WebSocket load benchmark, in C (ws-load.ts --client c): the same
 * work and the same output as ws-publisher.ts, without a garbage collector or an event loop of
 * its own, so that the load generator's own pauses are not counted as the server's latency.
 *
 * It publishes single events open-loop at a fixed rate, each in its own publish, stamped with
 * the time it was due (`sent`) and the time send was called (`at`), and subscribes to the
 * query's output `echo` on a second connection. The publisher sleeps until each event is due
 * (clock_nanosleep to an absolute time, with the thread's timer slack at 1 ns rather than the
 * default 50 us); it never spins. A second thread reads the publisher's connection (the results
 * of acknowledged publishes, read and ignored), a third the subscriber's, blocking in read(2),
 * and stamps each output the moment it is read. Nothing is allocated per event.
 *
 * Prints on standard output, as ws-publisher.ts does:
 *   {"sent":N,"start":T,"interval":I,"latencies":[...],"fromSend":[...],"warmup":{"sent":W,"latencies":[...]},"lateness":[...]}
 * in milliseconds (T: the first event's due time, I: the time between two, for lining the
 * events up with a server's own log): for each event received, from its due time and from its send call to its
 * output being read here (in the order published; lost events are left out), and for each
 * event published, its send call's lateness after its due time. With the bare relay
 * (ws-relay.ts), which stamps when it read each publish (`srv`), also `tail`: of the events
 * over 1 ms, how many spent most of it sending late, on the way to the server, on the way back.
 *
 *     ws-client URL RATE SECONDS FIRST_ID [WARMUP_SECONDS] [acked|unacked]
 *
 * Built by ws-load.ts with `cc -O2 -pthread` (Linux). Times are read from CLOCK_MONOTONIC and
 * given as milliseconds since the Unix epoch by adding the realtime clock's offset read once at
 * the start, as Node's performance.timeOrigin + performance.now() is (the relay's `srv`): a step
 * of the wall clock during a run changes no measurement.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("ws-client: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(2);
}

static int64_t clock_ns(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The realtime clock's offset from the monotonic one, read once (as Node's timeOrigin). */
static int64_t epoch_offset_ns;

/* Milliseconds since the Unix epoch on the monotonic clock (the relay's clock too). */
static double ms_of(int64_t monotonic_ns) { return (double)(monotonic_ns + epoch_offset_ns) / 1e6; }
static double now_ms(void) { return ms_of(clock_ns(CLOCK_MONOTONIC)); }

/* Set once the run is over: a connection closing after that is expected, not an error. */
static atomic_int finishing;

/* A connection: its socket, a lock for writes (a pong may be written by the reading thread),
 * and a buffer of what was read and not yet parsed. */
typedef struct {
  int fd;
  pthread_mutex_t write_lock;
  char *buf;
  size_t cap, start, end;
  uint32_t mask_state;
  const char *name;
  int close_code; /* from the server's close frame; 1005 when it had none, 1006 when no frame came */
} Conn;

static void write_all(int fd, const char *data, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write: %s", strerror(errno));
    }
    data += w;
    n -= (size_t)w;
  }
}

/* Sends one masked client frame (RFC 6455 5.2) in one write. */
static void send_frame(Conn *c, int opcode, const char *payload, size_t n) {
  static __thread char frame[65536 + 14];
  if (n > 65535) die("frame of %zu bytes: larger than this client sends", n);
  size_t h = 0;
  frame[h++] = (char)(0x80 | opcode);
  if (n < 126) {
    frame[h++] = (char)(0x80 | n);
  } else {
    frame[h++] = (char)(0x80 | 126);
    frame[h++] = (char)(n >> 8);
    frame[h++] = (char)(n & 0xff);
  }
  pthread_mutex_lock(&c->write_lock);
  /* xorshift32: a mask key per frame, as a client must send */
  uint32_t x = c->mask_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  c->mask_state = x;
  unsigned char key[4] = {(unsigned char)(x >> 24), (unsigned char)(x >> 16), (unsigned char)(x >> 8), (unsigned char)x};
  memcpy(frame + h, key, 4);
  h += 4;
  for (size_t i = 0; i < n; i++) frame[h + i] = (char)(payload[i] ^ key[i & 3]);
  write_all(c->fd, frame, h + n);
  pthread_mutex_unlock(&c->write_lock);
}

static void send_text(Conn *c, const char *text) { send_frame(c, 1, text, strlen(text)); }

/* Reads more into the connection's buffer; 0 at end of stream. */
static int fill(Conn *c) {
  if (c->start > 0 && c->start == c->end) c->start = c->end = 0;
  if (c->end == c->cap) {
    if (c->start > 0) {
      memmove(c->buf, c->buf + c->start, c->end - c->start);
      c->end -= c->start;
      c->start = 0;
    } else {
      c->cap *= 2;
      c->buf = realloc(c->buf, c->cap);
      if (!c->buf) die("out of memory");
    }
  }
  for (;;) {
    ssize_t r = read(c->fd, c->buf + c->end, c->cap - c->end);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die("read: %s", strerror(errno));
    c->end += (size_t)r;
    return r > 0;
  }
}

/* The next whole text message (NUL-terminated in place, valid until the next call), or NULL
 * when the server closed the connection. Answers pings; the server never fragments. */
static char *next_message(Conn *c, size_t *length) {
  for (;;) {
    size_t avail = c->end - c->start;
    unsigned char *p = (unsigned char *)c->buf + c->start;
    if (avail >= 2) {
      int fin = p[0] & 0x80, opcode = p[0] & 0x0f;
      uint64_t n = p[1] & 0x7f;
      size_t h = 2;
      if (n == 126) {
        h = 4;
        n = avail >= 4 ? ((uint64_t)p[2] << 8) | p[3] : 0;
      } else if (n == 127) {
        h = 10;
        n = 0;
        if (avail >= 10)
          for (int i = 0; i < 8; i++) n = (n << 8) | p[2 + i];
      }
      if (p[1] & 0x80) die("the server sent a masked frame");
      if (avail >= h + n) {
        if (!fin) die("the server sent a fragmented message");
        char *payload = (char *)p + h;
        c->start += h + (size_t)n;
        if (opcode == 8) {
          c->close_code = n >= 2 ? ((unsigned char)payload[0] << 8) | (unsigned char)payload[1] : 1005;
          return NULL;
        }
        if (opcode == 9) {
          send_frame(c, 10, payload, (size_t)n);
          continue;
        }
        if (opcode != 1) continue;
        /* Copy out so the terminating NUL does not overwrite the next frame's header. */
        static __thread char *text = NULL;
        static __thread size_t text_cap = 0;
        if (n + 1 > text_cap) {
          text_cap = (size_t)n + 1 > 4096 ? (size_t)n + 1 : 4096;
          text = realloc(text, text_cap);
          if (!text) die("out of memory");
        }
        memcpy(text, payload, (size_t)n);
        text[n] = '\0';
        *length = (size_t)n;
        return text;
      }
    }
    if (!fill(c)) {
      c->close_code = 1006;
      return NULL;
    }
  }
}

/* A connection the server closed before the run was over: every later event would count as
 * lost, so the run fails instead, saying why. */
static void closed(Conn *c) {
  if (!atomic_load(&finishing)) die("the server closed the %s connection (code %d) before the run was over", c->name, c->close_code);
}

/* Connects to ws://host:port/ with the subprotocol, and sends connection_init; returns once
 * the server acknowledged. */
static void open_conn(Conn *c, const char *name, const char *host, const char *port) {
  c->name = name;
  struct addrinfo hints = {0}, *res;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int e = getaddrinfo(host, port, &hints, &res);
  if (e != 0) die("%s:%s: %s", host, port, gai_strerror(e));
  c->fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  if (c->fd < 0 || connect(c->fd, res->ai_addr, res->ai_addrlen) != 0) die("connect %s:%s: %s", host, port, strerror(errno));
  freeaddrinfo(res);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  pthread_mutex_init(&c->write_lock, NULL);
  c->cap = 1 << 16;
  c->buf = malloc(c->cap);
  c->start = c->end = 0;
  c->mask_state = 0x9e3779b9u ^ (uint32_t)c->fd;
  char request[512];
  snprintf(request, sizeof request,
           "GET / HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: Y2VwaGV1cy1ibGFzdGVyIQ==\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: cepheus.v1\r\n\r\n",
           host, port);
  write_all(c->fd, request, strlen(request));
  for (;;) {
    char *end = memmem(c->buf + c->start, c->end - c->start, "\r\n\r\n", 4);
    if (end) {
      if (c->end - c->start < 12 || memcmp(c->buf + c->start + 9, "101", 3) != 0) die("the server refused the upgrade: %.*s", (int)(end - c->buf), c->buf);
      c->start = (size_t)(end + 4 - c->buf);
      break;
    }
    if (!fill(c)) die("the server closed the connection during the upgrade");
  }
  send_text(c, "{\"type\":\"connection_init\"}");
  size_t n;
  char *ack = next_message(c, &n);
  if (!ack || !strstr(ack, "connection_ack")) die("no connection_ack: %s", ack ? ack : "(closed)");
}

/* The number after `"key":` in text, from `from` on; NaN when absent. */
static double field(const char *from, const char *key) {
  const char *p = strstr(from, key);
  return p ? strtod(p + strlen(key), NULL) : __builtin_nan("");
}

typedef struct {
  Conn conn;
  long first, total;
  double *latencies, *from_send, *from_server; /* by event; 0 = not received */
} Subscriber;

static void *subscribe_loop(void *arg) {
  Subscriber *s = arg;
  size_t n;
  char *m;
  while ((m = next_message(&s->conn, &n)) != NULL) {
    double t = now_ms();
    if (strncmp(m, "{\"type\":\"next\"", 14) != 0) continue;
    const char *data = strstr(m, "\"data\":{");
    if (!data) continue;
    double id = field(data, "\"id\":");
    if (isnan(id)) continue;
    long k = (long)id - s->first;
    if (k < 0 || k >= s->total) continue;
    s->latencies[k] = t - field(data, "\"sent\":");
    s->from_send[k] = t - field(data, "\"at\":");
    double srv = field(data, "\"srv\":");
    if (!isnan(srv)) s->from_server[k] = t - srv;
  }
  closed(&s->conn);
  return NULL;
}

static void *drain_loop(void *arg) {
  Conn *c = arg;
  size_t n;
  while (next_message(c, &n) != NULL) {
  }
  closed(c);
  return NULL;
}

static void print_array(const char *name, const double *values, long from, long to, int received_only) {
  printf("\"%s\":[", name);
  int comma = 0;
  for (long i = from; i < to; i++) {
    if (received_only && !(values[i] > 0)) continue;
    printf(comma ? ",%.6f" : "%.6f", values[i]);
    comma = 1;
  }
  printf("]");
}

int main(int argc, char **argv) {
  if (argc < 5) die("usage: ws-client URL RATE SECONDS FIRST_ID [WARMUP_SECONDS] [acked|unacked]");
  char host[256], port[16];
  if (sscanf(argv[1], "ws://%255[^:/]:%15[0-9]", host, port) != 2) die("URL is ws://HOST:PORT: %s", argv[1]);
  double rate = atof(argv[2]);
  long warmup = (long)(rate * (argc > 5 ? atof(argv[5]) : 0) + 0.5);
  long total = warmup + (long)(rate * atof(argv[3]) + 0.5);
  long first = atol(argv[4]);
  int acked = !(argc > 6 && strcmp(argv[6], "unacked") == 0);
  if (!(rate > 0) || total <= 0) die("RATE and SECONDS must be positive");
  signal(SIGPIPE, SIG_IGN);
  epoch_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);

  Subscriber sub = {.first = first, .total = total};
  sub.latencies = calloc((size_t)total, sizeof(double));
  sub.from_send = calloc((size_t)total, sizeof(double));
  sub.from_server = calloc((size_t)total, sizeof(double));
  double *lateness = calloc((size_t)total, sizeof(double));
  if (!sub.latencies || !sub.from_send || !sub.from_server || !lateness) die("out of memory");

  open_conn(&sub.conn, "subscriber's", host, port);
  send_text(&sub.conn, "{\"type\":\"subscribe\",\"id\":\"echo\",\"payload\":{\"stream\":\"echo\",\"queue\":1000000}}");
  size_t n;
  char *m = next_message(&sub.conn, &n);
  if (!m || !strstr(m, "\"result\"")) die("subscribe failed: %s", m ? m : "(closed)");
  pthread_t sub_thread, drain_thread;
  pthread_create(&sub_thread, NULL, subscribe_loop, &sub);

  Conn pub;
  open_conn(&pub, "publisher's", host, port);
  pthread_create(&drain_thread, NULL, drain_loop, &pub);

  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  int64_t start_ns = clock_ns(CLOCK_MONOTONIC) + 20000000;
  char text[512];
  for (long i = 0; i < total; i++) {
    int64_t due_ns = start_ns + (int64_t)((double)i * 1e9 / rate);
    if (clock_ns(CLOCK_MONOTONIC) < due_ns) {
      struct timespec until = {.tv_sec = (time_t)(due_ns / 1000000000), .tv_nsec = (long)(due_ns % 1000000000)};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {
      }
    }
    double due = ms_of(due_ns);
    double at = now_ms();
    lateness[i] = at - due;
    if (acked)
      snprintf(text, sizeof text, "{\"type\":\"publish\",\"id\":\"p%ld\",\"payload\":{\"stream\":\"Ev\",\"event\":{\"id\":%ld,\"sent\":%.4f,\"at\":%.4f,\"hit\":true,\"ts\":%lld}}}", i, first + i, due, at, (long long)due);
    else
      snprintf(text, sizeof text, "{\"type\":\"publish\",\"payload\":{\"stream\":\"Ev\",\"event\":{\"id\":%ld,\"sent\":%.4f,\"at\":%.4f,\"hit\":true,\"ts\":%lld}}}", first + i, due, at, (long long)due);
    send_text(&pub, text);
  }
  /* Let the last outputs arrive (the slowest is well under a second), then report. */
  sleep(1);
  atomic_store(&finishing, 1);
  /* Close both connections (1000, normal) and wait a little for the server's answer. */
  const char normal[2] = {(char)(1000 >> 8), (char)(1000 & 0xff)};
  send_frame(&sub.conn, 8, normal, 2);
  send_frame(&pub, 8, normal, 2);
  struct timespec limit;
  clock_gettime(CLOCK_REALTIME, &limit);
  limit.tv_sec += 1;
  if (pthread_timedjoin_np(sub_thread, NULL, &limit) != 0) {
    shutdown(sub.conn.fd, SHUT_RDWR);
    pthread_join(sub_thread, NULL);
  }
  if (pthread_timedjoin_np(drain_thread, NULL, &limit) != 0) {
    shutdown(pub.fd, SHUT_RDWR);
    pthread_join(drain_thread, NULL);
  }

  printf("{\"sent\":%ld,\"start\":%.4f,\"interval\":%.6f,", total - warmup, ms_of(start_ns), 1e3 / rate);
  print_array("latencies", sub.latencies, warmup, total, 1);
  printf(",");
  print_array("fromSend", sub.from_send, warmup, total, 1);
  printf(",\"warmup\":{\"sent\":%ld,", warmup);
  print_array("latencies", sub.latencies, 0, warmup, 1);
  printf("},");
  print_array("lateness", lateness, warmup, total, 0);
  int stamped = 0;
  for (long i = 0; i < total && !stamped; i++) stamped = sub.from_server[i] > 0;
  if (stamped) {
    long over = 0, late = 0, up = 0, down = 0;
    for (long k = warmup; k < total; k++) {
      if (!(sub.latencies[k] > 1) || !(sub.from_server[k] > 0)) continue;
      over++;
      double l = sub.latencies[k] - sub.from_send[k], u = sub.from_send[k] - sub.from_server[k], d = sub.from_server[k];
      if (l >= u && l >= d) late++;
      else if (u >= d) up++;
      else down++;
    }
    printf(",\"tail\":{\"over\":%ld,\"publisherLate\":%ld,\"toServer\":%ld,\"toSubscriber\":%ld}", over, late, up, down);
  }
  printf("}\n");
  return 0;
}
