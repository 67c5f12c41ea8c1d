/*
 * bench/rpc anchor: the smallest gRPC unary Echo server we can write on our own C stack
 * (libnghttp2 + protobuf-c + epoll), one thread, no framework. It is the ceiling for
 * VoiceShop's RPC layer, which is built on the same two libraries.
 *
 *   echo_server [PORT]        PORT 0 (default) = any free port
 *
 * Prints "listening 127.0.0.1:PORT" on stdout once it accepts connections; exits on
 * SIGTERM/SIGINT. Serves /voiceshop.testing.v1.TestService/Echo (proto/testing/v1/
 * testing.proto); any other path gets UNIMPLEMENTED.
 *
 * gRPC over HTTP/2, unary, as seen by this server:
 *   in : HEADERS (:method POST, :path, content-type application/grpc[+proto|;...])
 *        DATA (1-byte compressed flag, 4-byte big-endian length, protobuf) END_STREAM
 *   out: HEADERS (:status 200, content-type) / DATA (same framing) / trailing HEADERS
 *        (grpc-status 0) with END_STREAM. Errors are "trailers-only": one HEADERS frame.
 *
 * The loop: read whatever the socket has -> nghttp2_session_mem_recv (which calls the
 * callbacks below; a request is answered as soon as its END_STREAM arrives) -> drain
 * nghttp2_session_mem_send into one buffer -> one write(). With 16 calls in flight per
 * connection that is one read and one write for ~16 calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "testing/v1/testing.pb-c.h"

static const char echo_path[] = "/voiceshop.testing.v1.TestService/Echo";

enum {
    max_message = 4 << 20,     /* gRPC's default receive limit */
    read_size = 64 << 10,      /* bytes per read() */
    write_high_water = 64 << 10, /* stop asking nghttp2 for frames beyond this */
    inline_bytes = 240,        /* small messages live inside the call struct */
};

/* One request/response exchange (one HTTP/2 stream). */
typedef struct call {
    int grpc_content_type; /* content-type is application/grpc... */
    int is_echo;           /* :path is the Echo method */
    size_t in_len, in_cap;
    uint8_t *in;           /* request body: gRPC frame(s) */
    size_t out_len, out_sent;
    uint8_t *out;          /* response body: one gRPC frame */
    uint8_t in_inline[inline_bytes], out_inline[inline_bytes];
} call;

/* One client connection. */
typedef struct conn {
    int fd;
    int polling_out; /* EPOLLOUT registered: the socket was full */
    nghttp2_session *h2;
    uint8_t *buf;    /* serialized frames not yet written */
    size_t buf_len, buf_sent, buf_cap;
} conn;

static int epfd;
static volatile sig_atomic_t stopping;

/* A header whose name and value are string literals nghttp2 may keep pointers to. */
#define STATIC_NV(name, value)                                                           \
    { (uint8_t *)(name), (uint8_t *)(value), sizeof(name) - 1, sizeof(value) - 1,       \
      NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE }

static void call_free(call *c) {
    if (c->in != c->in_inline) free(c->in);
    if (c->out != c->out_inline) free(c->out);
    free(c);
}

/* ------------------------------------------------------------------ responses */

/* Data source of a response: hands nghttp2 the framed reply, then the trailers. */
static ssize_t read_reply(nghttp2_session *h2, int32_t stream_id, uint8_t *dst, size_t max,
                          uint32_t *flags, nghttp2_data_source *src, void *conn_ptr) {
    (void)conn_ptr;
    call *c = src->ptr;
    size_t n = c->out_len - c->out_sent;
    if (n > max) n = max;
    memcpy(dst, c->out + c->out_sent, n);
    c->out_sent += n;
    if (c->out_sent == c->out_len) {
        /* gRPC ends a stream with trailers, not with the last DATA frame. */
        static const nghttp2_nv trailers[] = {STATIC_NV("grpc-status", "0")};
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        if (nghttp2_submit_trailer(h2, stream_id, trailers, 1) != 0)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return (ssize_t)n;
}

/* Trailers-only error response; `status` is a gRPC status code as text. */
static int reply_status(nghttp2_session *h2, int32_t id, const char *status,
                        const char *message) {
    nghttp2_nv nv[] = {
        STATIC_NV(":status", "200"),
        STATIC_NV("content-type", "application/grpc"),
        {(uint8_t *)"grpc-status", (uint8_t *)status, 11, strlen(status),
         NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE},
        {(uint8_t *)"grpc-message", (uint8_t *)message, 12, strlen(message),
         NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE | NGHTTP2_NV_FLAG_NO_INDEX},
    };
    return nghttp2_submit_response(h2, id, nv, 4, NULL);
}

/* The whole request has arrived: decode, echo, encode, submit. */
static int answer(nghttp2_session *h2, int32_t id, call *c) {
    if (!c->grpc_content_type) {
        static const nghttp2_nv nv[] = {STATIC_NV(":status", "415")};
        return nghttp2_submit_response(h2, id, nv, 1, NULL);
    }
    if (!c->is_echo) return reply_status(h2, id, "12", "unknown method");
    if (c->in_len < 5) return reply_status(h2, id, "13", "no request message");
    if (c->in[0] != 0) return reply_status(h2, id, "12", "compression is not supported");
    uint32_t len = (uint32_t)c->in[1] << 24 | (uint32_t)c->in[2] << 16 |
                   (uint32_t)c->in[3] << 8 | c->in[4];
    if (len != c->in_len - 5) return reply_status(h2, id, "13", "expected exactly one message");

    Voiceshop__Testing__V1__EchoRequest *req =
        voiceshop__testing__v1__echo_request__unpack(NULL, len, c->in + 5);
    if (!req) return reply_status(h2, id, "13", "request is not a valid EchoRequest");
    Voiceshop__Testing__V1__EchoReply rep = VOICESHOP__TESTING__V1__ECHO_REPLY__INIT;
    rep.payload = req->payload; /* borrow the bytes; freed after packing */
    size_t size = voiceshop__testing__v1__echo_reply__get_packed_size(&rep);
    c->out = size + 5 <= inline_bytes ? c->out_inline : malloc(size + 5);
    if (!c->out) {
        voiceshop__testing__v1__echo_request__free_unpacked(req, NULL);
        return -1;
    }
    c->out[0] = 0;
    c->out[1] = (uint8_t)(size >> 24);
    c->out[2] = (uint8_t)(size >> 16);
    c->out[3] = (uint8_t)(size >> 8);
    c->out[4] = (uint8_t)size;
    voiceshop__testing__v1__echo_reply__pack(&rep, c->out + 5);
    c->out_len = size + 5;
    voiceshop__testing__v1__echo_request__free_unpacked(req, NULL);

    static const nghttp2_nv headers[] = {STATIC_NV(":status", "200"),
                                         STATIC_NV("content-type", "application/grpc")};
    nghttp2_data_provider body = {.source.ptr = c, .read_callback = read_reply};
    return nghttp2_submit_response(h2, id, headers, 2, &body);
}

/* ---------------------------------------------------------- nghttp2 callbacks */

static int on_begin_headers(nghttp2_session *h2, const nghttp2_frame *f, void *conn_ptr) {
    (void)conn_ptr;
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    call *c = calloc(1, sizeof *c);
    if (!c) return NGHTTP2_ERR_CALLBACK_FAILURE;
    c->in = c->in_inline;
    c->in_cap = inline_bytes;
    nghttp2_session_set_stream_user_data(h2, f->hd.stream_id, c);
    return 0;
}

static int header_is(const uint8_t *name, size_t len, const char *lit) {
    return len == strlen(lit) && memcmp(name, lit, len) == 0;
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *f, const uint8_t *name,
                     size_t name_len, const uint8_t *value, size_t value_len, uint8_t flags,
                     void *conn_ptr) {
    (void)flags, (void)conn_ptr;
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    call *c = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id);
    if (!c) return 0;
    if (header_is(name, name_len, ":path")) {
        c->is_echo = value_len == sizeof echo_path - 1 && memcmp(value, echo_path, value_len) == 0;
    } else if (header_is(name, name_len, "content-type")) {
        c->grpc_content_type = value_len >= 16 && memcmp(value, "application/grpc", 16) == 0 &&
                               (value_len == 16 || value[16] == '+' || value[16] == ';');
    }
    /* nghttp2 itself checks :method, te and the other HTTP/2 rules. */
    return 0;
}

static int on_data(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data,
                   size_t len, void *conn_ptr) {
    (void)flags, (void)conn_ptr;
    call *c = nghttp2_session_get_stream_user_data(h2, id);
    if (!c) return 0;
    if (c->in_len + len > max_message + 5) {
        nghttp2_session_set_stream_user_data(h2, id, NULL);
        call_free(c);
        reply_status(h2, id, "8", "message larger than 4 MiB");
        return 0;
    }
    if (c->in_len + len > c->in_cap) {
        size_t cap = c->in_cap;
        while (cap < c->in_len + len) cap *= 2;
        uint8_t *grown = malloc(cap);
        if (!grown) return NGHTTP2_ERR_CALLBACK_FAILURE;
        memcpy(grown, c->in, c->in_len);
        if (c->in != c->in_inline) free(c->in);
        c->in = grown;
        c->in_cap = cap;
    }
    memcpy(c->in + c->in_len, data, len);
    c->in_len += len;
    return 0;
}

static int on_frame(nghttp2_session *h2, const nghttp2_frame *f, void *conn_ptr) {
    (void)conn_ptr;
    /* END_STREAM can come on the last DATA frame, an empty DATA frame or HEADERS. */
    if ((f->hd.type == NGHTTP2_DATA || f->hd.type == NGHTTP2_HEADERS) &&
        (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        call *c = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id);
        if (c && answer(h2, f->hd.stream_id, c) != 0) return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return 0;
}

static int on_close(nghttp2_session *h2, int32_t id, uint32_t error, void *conn_ptr) {
    (void)error, (void)conn_ptr;
    call *c = nghttp2_session_get_stream_user_data(h2, id);
    if (c) call_free(c);
    return 0;
}

static nghttp2_session_callbacks *callbacks;
static nghttp2_option *options;

/* ------------------------------------------------------------------ the loop */

static void conn_close(conn *k) {
    close(k->fd);
    nghttp2_session_del(k->h2);
    free(k->buf);
    free(k);
}

static void poll_out(conn *k, int on) {
    if (k->polling_out == on) return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = k};
    epoll_ctl(epfd, EPOLL_CTL_MOD, k->fd, &ev);
    k->polling_out = on;
}

/* Writes everything nghttp2 has to send, batching frames into one write().
 * Returns -1 when the connection is finished or broken. */
static int conn_flush(conn *k) {
    for (;;) {
        if (k->buf_sent == k->buf_len) { /* buffer empty: refill from nghttp2 */
            k->buf_sent = k->buf_len = 0;
            while (k->buf_len < write_high_water) {
                const uint8_t *frames;
                ssize_t n = nghttp2_session_mem_send(k->h2, &frames);
                if (n < 0) return -1;
                if (n == 0) break;
                if (k->buf_len + (size_t)n > k->buf_cap) {
                    size_t cap = k->buf_cap ? k->buf_cap : 16 << 10;
                    while (cap < k->buf_len + (size_t)n) cap *= 2;
                    uint8_t *grown = realloc(k->buf, cap);
                    if (!grown) return -1;
                    k->buf = grown;
                    k->buf_cap = cap;
                }
                memcpy(k->buf + k->buf_len, frames, (size_t)n);
                k->buf_len += (size_t)n;
            }
            if (k->buf_len == 0) break;
        }
        ssize_t w = write(k->fd, k->buf + k->buf_sent, k->buf_len - k->buf_sent);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                poll_out(k, 1); /* resume when the socket drains */
                return 0;
            }
            return -1;
        }
        k->buf_sent += (size_t)w;
    }
    poll_out(k, 0);
    return nghttp2_session_want_read(k->h2) || nghttp2_session_want_write(k->h2) ? 0 : -1;
}

static void conn_open(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn *k = calloc(1, sizeof *k);
    if (!k) { close(fd); return; }
    k->fd = fd;
    if (nghttp2_session_server_new2(&k->h2, callbacks, k, options) != 0) { free(k); close(fd); return; }
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20},
    };
    nghttp2_submit_settings(k->h2, NGHTTP2_FLAG_NONE, settings, 2);
    /* The connection window only grows with WINDOW_UPDATE; start it at 16 MiB. */
    nghttp2_session_set_local_window_size(k->h2, NGHTTP2_FLAG_NONE, 0, 16 << 20);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = k};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    if (conn_flush(k) < 0) conn_close(k);
}

static void on_signal(int sig) { (void)sig; stopping = 1; }

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: epoll_wait returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_close);
    nghttp2_option_new(&options);
    nghttp2_option_set_no_closed_streams(options, 1); /* no priority tree bookkeeping */

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t addr_len = sizeof addr;
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 1024) != 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &addr_len) != 0) {
        perror("listen");
        return 1;
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
    printf("listening 127.0.0.1:%d\n", ntohs(addr.sin_port));
    fflush(stdout);

    uint8_t *in = malloc(read_size);
    struct epoll_event events[128];
    while (!stopping) {
        int n = epoll_wait(epfd, events, 128, -1);
        for (int i = 0; i < n; i++) {
            conn *k = events[i].data.ptr;
            if (k == NULL) { /* the listener */
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
                    conn_open(fd);
                continue;
            }
            int done = 0;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                ssize_t r = read(k->fd, in, read_size);
                if (r == 0)
                    done = 1;
                else if (r < 0)
                    done = errno != EAGAIN && errno != EINTR;
                else if (nghttp2_session_mem_recv(k->h2, in, (size_t)r) < 0)
                    done = 1;
            }
            if (done || conn_flush(k) < 0) conn_close(k);
        }
    }
    return 0;
}
