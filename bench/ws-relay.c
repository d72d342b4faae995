/*
 * The floor of the WebSocket load benchmark, in C (ws-load.ts --server relay-c): the bare relay of
 * ws-relay.ts without Node, V8, a garbage collector or the ws library. One thread, one epoll
 * loop, non-blocking sockets, nothing allocated per event. It speaks just enough of the
 * `cepheus.v1` protocol for the benchmark's clients (connection_init, subscribe, publish, ping,
 * close) and relays each published event marked `hit` to the subscribers, stamped with `srv`,
 * the moment its publish was read here. What is left of the latency with this server is the
 * machine's: the clients, the kernel's loopback, and the wake-ups of three processes.
 *
 *     ws-relay [PORT]     # prints "relay: console at http://127.0.0.1:PORT/" on stderr
 *
 * Built by ws-load.ts with `cc -O2` (Linux). A yardstick for our own clients, not a server:
 * messages it does not understand are dropped, not answered; a protocol error closes the
 * connection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("ws-relay: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(2);
}

/* ---- SHA-1 (FIPS 180-4) and base64, for the handshake's Sec-WebSocket-Accept ---- */

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1(const unsigned char *data, size_t n, unsigned char out[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  size_t padded = ((n + 8) / 64 + 1) * 64;
  unsigned char *m = calloc(padded, 1);
  if (!m) die("out of memory");
  memcpy(m, data, n);
  m[n] = 0x80;
  uint64_t bits = (uint64_t)n * 8;
  for (int i = 0; i < 8; i++) m[padded - 1 - i] = (unsigned char)(bits >> (8 * i));
  for (size_t block = 0; block < padded; block += 64) {
    uint32_t w[80];
    for (int t = 0; t < 16; t++) {
      const unsigned char *p = m + block + 4 * t;
      w[t] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    }
    for (int t = 16; t < 80; t++) w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; t++) {
      uint32_t f, k;
      if (t < 20) f = (b & c) | (~b & d), k = 0x5A827999;
      else if (t < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (t < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else f = b ^ c ^ d, k = 0xCA62C1D6;
      uint32_t temp = rol(a, 5) + f + e + k + w[t];
      e = d, d = c, c = rol(b, 30), b = a, a = temp;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  free(m);
  for (int i = 0; i < 20; i++) out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

static void base64(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
    out[o++] = digits[v >> 18 & 63];
    out[o++] = digits[v >> 12 & 63];
    out[o++] = i + 1 < n ? digits[v >> 6 & 63] : '=';
    out[o++] = i + 2 < n ? digits[v & 63] : '=';
  }
  out[o] = '\0';
}

/* ---- A byte buffer ---- */

typedef struct {
  char *data;
  size_t start, end, cap;
} Buf;

/* The most a connection may have unread or unsent: past it, it is closed. */
#define BUF_LIMIT ((size_t)64 << 20)

static int reserve(Buf *b, size_t more) {
  if (b->start > 0 && b->start == b->end) b->start = b->end = 0;
  if (b->end + more + 1 <= b->cap) return 1;
  if (b->start > 0) {
    memmove(b->data, b->data + b->start, b->end - b->start);
    b->end -= b->start;
    b->start = 0;
  }
  size_t cap = b->cap ? b->cap : 4096;
  while (b->end + more + 1 > cap) cap *= 2;
  if (cap > BUF_LIMIT) return 0;
  if (cap != b->cap) {
    char *d = realloc(b->data, cap);
    if (!d) die("out of memory");
    b->data = d;
    b->cap = cap;
  }
  return 1;
}

/* ---- Minimal JSON: the spans of values, enough to read our own clients' messages ---- */

typedef struct {
  const char *p, *end;
} Span;

static const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

/* The end of the value starting at p, or NULL when it is not one. */
static const char *skip_value(const char *p, const char *end) {
  p = skip_ws(p, end);
  if (p >= end) return NULL;
  if (*p == '"') {
    for (p++; p < end; p++) {
      if (*p == '\\') p++;
      else if (*p == '"') return p + 1;
    }
    return NULL;
  }
  if (*p == '{' || *p == '[') {
    int depth = 0;
    for (; p < end; p++) {
      if (*p == '"') {
        p = skip_value(p, end);
        if (!p) return NULL;
        p--;
      } else if (*p == '{' || *p == '[') {
        depth++;
      } else if (*p == '}' || *p == ']') {
        if (--depth == 0) return p + 1;
      }
    }
    return NULL;
  }
  while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') p++;
  return p;
}

/* The value of `key` in the object `object` (its raw text), or an empty span. */
static Span member(Span object, const char *key) {
  Span none = {NULL, NULL};
  const char *p = skip_ws(object.p, object.end);
  if (p >= object.end || *p != '{') return none;
  size_t klen = strlen(key);
  p++;
  for (;;) {
    p = skip_ws(p, object.end);
    if (p >= object.end || *p == '}' || *p != '"') return none;
    const char *name = p + 1, *name_end = skip_value(p, object.end);
    if (!name_end) return none;
    p = skip_ws(name_end, object.end);
    if (p >= object.end || *p != ':') return none;
    const char *value = skip_ws(p + 1, object.end), *value_end = skip_value(value, object.end);
    if (!value_end) return none;
    if ((size_t)(name_end - 1 - name) == klen && memcmp(name, key, klen) == 0) return (Span){value, value_end};
    p = skip_ws(value_end, object.end);
    if (p < object.end && *p == ',') p++;
  }
}

static int is(Span s, const char *text) {
  size_t n = strlen(text);
  return s.p && (size_t)(s.end - s.p) == n && memcmp(s.p, text, n) == 0;
}

/* ---- Connections ---- */

typedef struct Conn {
  int fd;
  int open;        /* past the HTTP upgrade */
  int closing;     /* a close frame was sent: close once the output is written */
  int want_out;    /* registered for EPOLLOUT */
  Buf in, out;
  int subscribed;   /* on the list of subscribers */
  char sub_id[128]; /* the subscription's id as JSON text */
  struct Conn *next_sub;
  struct Conn *next_dead;
} Conn;

static int epfd;
static Conn *subscribers;
/* Connections closed during one batch of epoll events, freed after it (a later event of the
 * batch may still name one). */
static Conn *dead;
static int64_t epoch_offset_ns;

static int64_t clock_ns(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void drop(Conn *c) {
  for (Conn **s = &subscribers; *s; s = &(*s)->next_sub)
    if (*s == c) {
      *s = c->next_sub;
      break;
    }
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  c->next_dead = dead;
  dead = c;
}

static void watch(Conn *c, int out) {
  if (c->want_out == out) return;
  struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
  c->want_out = out;
}

/* Writes what it can of the output; 0 when the connection is gone. */
static int flush(Conn *c) {
  while (c->out.end > c->out.start) {
    ssize_t w = send(c->fd, c->out.data + c->out.start, c->out.end - c->out.start, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(c, 1);
      return 1;
    }
    if (w < 0) {
      drop(c);
      return 0;
    }
    c->out.start += (size_t)w;
  }
  c->out.start = c->out.end = 0;
  watch(c, 0);
  if (c->closing) {
    drop(c);
    return 0;
  }
  return 1;
}

/* Appends bytes to the output, room for which was reserved. */
static void append(Conn *c, const char *data, size_t n) {
  memcpy(c->out.data + c->out.end, data, n);
  c->out.end += n;
}

/* Appends one unmasked server frame (RFC 6455 5.2), whole or not at all. */
static void frame(Conn *c, int opcode, const char *payload, size_t n) {
  if (c->closing) return;
  if (!reserve(&c->out, n + 10)) {
    c->closing = 1; /* a consumer that reads nothing: let it go */
    return;
  }
  unsigned char h[10];
  size_t k = 0;
  h[k++] = (unsigned char)(0x80 | opcode);
  if (n < 126) {
    h[k++] = (unsigned char)n;
  } else if (n < 65536) {
    h[k++] = 126;
    h[k++] = (unsigned char)(n >> 8);
    h[k++] = (unsigned char)n;
  } else {
    h[k++] = 127;
    for (int i = 7; i >= 0; i--) h[k++] = (unsigned char)((uint64_t)n >> (8 * i));
  }
  append(c, (const char *)h, k);
  append(c, payload, n);
}

static void text(Conn *c, const char *format, ...) {
  static char *message = NULL;
  static size_t cap = 0;
  va_list args;
  va_start(args, format);
  int n = vsnprintf(message, cap, format, args);
  va_end(args);
  if (n < 0) die("vsnprintf failed");
  if ((size_t)n >= cap) {
    cap = (size_t)n + 1 > 4096 ? (size_t)n + 1 : 4096;
    message = realloc(message, cap);
    if (!message) die("out of memory");
    va_start(args, format);
    vsnprintf(message, cap, format, args);
    va_end(args);
  }
  frame(c, 1, message, (size_t)n);
}

#define SPAN(s) (int)((s).p ? (s).end - (s).p : 4), ((s).p ? (s).p : "null")

/* One text message from a client. */
static void message(Conn *c, const char *data, size_t n, double srv) {
  Span m = {data, data + n};
  Span type = member(m, "type");
  if (is(type, "\"connection_init\"")) {
    text(c, "{\"type\":\"connection_ack\",\"payload\":{\"server\":\"relay-c\",\"readOnly\":false}}");
  } else if (is(type, "\"subscribe\"")) {
    Span id = member(m, "id");
    if (!id.p || id.end == id.p || id.end - id.p >= (long)sizeof c->sub_id) return;
    if (!c->subscribed) {
      c->subscribed = 1;
      c->next_sub = subscribers;
      subscribers = c;
    }
    memcpy(c->sub_id, id.p, (size_t)(id.end - id.p));
    c->sub_id[id.end - id.p] = '\0';
    text(c, "{\"type\":\"result\",\"id\":%s,\"payload\":{}}", c->sub_id);
  } else if (is(type, "\"publish\"")) {
    Span payload = member(m, "payload");
    Span events = member(payload, "events");
    if (events.p && *events.p != '[') events.p = NULL;
    long count = 0;
    /* each event: an object of the array, or the one `event` */
    const char *p = events.p ? events.p + 1 : NULL;
    Span one = events.p ? (Span){NULL, NULL} : member(payload, "event");
    for (;;) {
      Span e;
      if (events.p) {
        p = skip_ws(p, events.end);
        if (p >= events.end || *p == ']') break;
        const char *q = skip_value(p, events.end);
        if (!q || q == p) break;
        e = (Span){p, q};
        p = skip_ws(q, events.end);
        if (p < events.end && *p == ',') p++;
      } else {
        if (!one.p) break;
        e = one;
        one.p = NULL;
      }
      count++;
      if (!is(member(e, "hit"), "true")) continue;
      Span id = member(e, "id"), sent = member(e, "sent"), at = member(e, "at"), ts = member(e, "ts");
      for (Conn *s = subscribers; s; s = s->next_sub)
        text(s, "{\"type\":\"next\",\"id\":%s,\"payload\":{\"stream\":\"echo\",\"time\":%.*s,\"data\":{\"id\":%.*s,\"sent\":%.*s,\"at\":%.*s,\"srv\":%.4f}}}", s->sub_id, SPAN(ts), SPAN(id), SPAN(sent),
             SPAN(at), srv);
    }
    /* A publish without an id is not acknowledged, as by cepheus serve. */
    Span id = member(m, "id");
    if (id.p) text(c, "{\"type\":\"result\",\"id\":%.*s,\"payload\":{\"accepted\":%ld,\"rejected\":0}}", SPAN(id), count);
  }
}

/* The HTTP upgrade: 1 when done (or still incomplete), 0 when the connection was refused. */
static int upgrade(Conn *c) {
  char *head = c->in.data + c->in.start;
  char *end = memmem(head, c->in.end - c->in.start, "\r\n\r\n", 4);
  if (!end) return c->in.end - c->in.start < 16384;
  *end = '\0';
  char key[128] = "", *protocol = NULL;
  for (char *line = strstr(head, "\r\n"); line; line = strstr(line, "\r\n")) {
    line += 2;
    if (strncasecmp(line, "Sec-WebSocket-Key:", 18) == 0) sscanf(line + 18, " %100[^\r ]", key);
    if (strncasecmp(line, "Sec-WebSocket-Protocol:", 23) == 0) protocol = line + 23;
  }
  c->in.start = (size_t)(end + 4 - c->in.data);
  if (key[0] == '\0') return 0;
  char joined[200];
  snprintf(joined, sizeof joined, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
  unsigned char digest[20];
  sha1((const unsigned char *)joined, strlen(joined), digest);
  char accept[32];
  base64(digest, 20, accept);
  char *line_end = protocol ? strstr(protocol, "\r\n") : NULL;
  if (line_end) *line_end = '\0';
  /* Offered only other subprotocols: none chosen, as ws-relay.ts (the client then fails). */
  int chosen = protocol && strstr(protocol, "cepheus.v1") != NULL;
  char response[512];
  int n = snprintf(response, sizeof response,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s\r\n", accept,
                   chosen ? "Sec-WebSocket-Protocol: cepheus.v1\r\n" : "");
  if (!reserve(&c->out, (size_t)n)) return 0;
  append(c, response, (size_t)n);
  c->open = 1;
  return 1;
}

/* Handles what was read; 0 when the connection is to be dropped. */
static int input(Conn *c) {
  double srv = (double)(clock_ns(CLOCK_MONOTONIC) + epoch_offset_ns) / 1e6;
  if (!c->open && !upgrade(c)) return 0;
  while (c->open && !c->closing) {
    unsigned char *p = (unsigned char *)c->in.data + c->in.start;
    size_t avail = c->in.end - c->in.start;
    if (avail < 2) break;
    int fin = p[0] & 0x80, opcode = p[0] & 0x0f;
    uint64_t n = p[1] & 0x7f;
    size_t h = 2;
    if (!(p[1] & 0x80)) return 0; /* a client's frames are masked */
    if (n == 126) {
      if (avail < 4) break;
      n = (uint64_t)p[2] << 8 | p[3];
      h = 4;
    } else if (n == 127) {
      if (avail < 10) break;
      n = 0;
      for (int i = 0; i < 8; i++) n = n << 8 | p[2 + i];
      h = 10;
    }
    if (n > BUF_LIMIT / 2) return 0;
    if (avail < h + 4 + n) break;
    if (!fin || opcode == 0) return 0; /* our clients never fragment */
    unsigned char *mask = p + h, *payload = p + h + 4;
    for (size_t i = 0; i < n; i++) payload[i] ^= mask[i & 3];
    c->in.start += h + 4 + (size_t)n;
    if (opcode == 1 || opcode == 2) {
      message(c, (const char *)payload, (size_t)n, srv);
    } else if (opcode == 8) {
      frame(c, 8, (const char *)payload, n >= 2 ? 2 : 0);
      c->closing = 1;
    } else if (opcode == 9) {
      frame(c, 10, (const char *)payload, (size_t)n);
    }
  }
  return 1;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  epoch_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 128) != 0) die("listen on port %d: %s", port, strerror(errno));
  socklen_t length = sizeof address;
  getsockname(listener, (struct sockaddr *)&address, &length);
  fprintf(stderr, "relay: console at http://127.0.0.1:%d/\n", ntohs(address.sin_port));
  epfd = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev);
  struct epoll_event ready[64];
  for (;;) {
    int k = epoll_wait(epfd, ready, 64, -1);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) die("epoll_wait: %s", strerror(errno));
    for (int i = 0; i < k; i++) {
      Conn *c = ready[i].data.ptr;
      if (c != NULL && c->fd < 0) continue;
      if (c == NULL) {
        int fd;
        while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          Conn *n = calloc(1, sizeof *n);
          if (!n) die("out of memory");
          n->fd = fd;
          struct epoll_event e = {.events = EPOLLIN, .data.ptr = n};
          epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
        }
        continue;
      }
      if (ready[i].events & EPOLLOUT) {
        if (!flush(c)) continue;
      }
      if (!(ready[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      int alive = 1;
      for (;;) {
        if (!reserve(&c->in, 65536)) {
          alive = 0;
          break;
        }
        ssize_t r = read(c->fd, c->in.data + c->in.end, c->in.cap - c->in.end - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (r <= 0) {
          alive = 0;
          break;
        }
        c->in.end += (size_t)r;
      }
      /* What was read is handled even when the peer closed after it. */
      int handled = input(c);
      /* Every connection written to is flushed (a publish writes to the subscribers' too). */
      for (Conn *s = subscribers; s;) {
        Conn *next = s->next_sub;
        if (s != c && s->out.end > s->out.start) flush(s);
        s = next;
      }
      if (!alive || !handled) {
        drop(c);
        continue;
      }
      flush(c);
    }
    while (dead) {
      Conn *c = dead;
      dead = c->next_dead;
      free(c->in.data);
      free(c->out.data);
      free(c);
    }
  }
}
