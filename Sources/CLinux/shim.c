#define _GNU_SOURCE
#include "CLinux.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

const uint32_t CLinux_EPOLLIN = EPOLLIN;
const uint32_t CLinux_EPOLLOUT = EPOLLOUT;
const uint32_t CLinux_EPOLLERR = EPOLLERR;
const uint32_t CLinux_EPOLLHUP = EPOLLHUP;
const uint32_t CLinux_EPOLLRDHUP = EPOLLRDHUP;

int CLinux_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int CLinux_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int CLinux_epoll_ctl(int epfd, int op, int fd, uint32_t events) {
    struct epoll_event event;
    event.events = events;
    event.data.fd = fd;
    return epoll_ctl(epfd, op, fd, &event);
}

int CLinux_epoll_wait(int epfd, int *fds, uint32_t *masks, int max, int timeout) {
    struct epoll_event events[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, events, max, timeout);
    for (int i = 0; i < n; i++) {
        fds[i] = events[i].data.fd;
        masks[i] = events[i].events;
    }
    return n;
}

int CLinux_set_int_option(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof(value));
}

int CLinux_accept(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int CLinux_cpu_count(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

void CLinux_set_thread_name(const char *name) { pthread_setname_np(pthread_self(), name); }
