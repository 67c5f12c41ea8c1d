// Linux APIs the Glibc module does not bring in (epoll, eventfd, accept4, TCP options),
// behind small functions so Swift never handles the packed `struct epoll_event` itself.
// _GNU_SOURCE is defined only in shim.c: defining it here would change glibc's declarations
// (fd_set's fields, for one) from the ones the Glibc module saw, and break the build.
#ifndef CLINUX_H
#define CLINUX_H
#include <stdint.h>
#include <sys/socket.h>

extern const uint32_t CLinux_EPOLLIN;
extern const uint32_t CLinux_EPOLLOUT;
extern const uint32_t CLinux_EPOLLERR;
extern const uint32_t CLinux_EPOLLHUP;
extern const uint32_t CLinux_EPOLLRDHUP;

/// epoll_create1(EPOLL_CLOEXEC).
int CLinux_epoll_create(void);
/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC).
int CLinux_eventfd(void);
/// op: 1 add, 2 delete, 3 modify; the event's data is the fd itself.
int CLinux_epoll_ctl(int epfd, int op, int fd, uint32_t events);
/// Waits for up to `max` (at most 256) events, unpacked into parallel arrays.
int CLinux_epoll_wait(int epfd, int *fds, uint32_t *masks, int max, int timeout);
/// setsockopt with an int value.
int CLinux_set_int_option(int fd, int level, int name, int value);
/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC.
int CLinux_accept(int fd, struct sockaddr *addr, socklen_t *len);
/// The number of CPUs this process may run on (sched_getaffinity), at least 1.
int CLinux_cpu_count(void);
/// Names the calling thread (shown by top -H and in core dumps); at most 15 characters.
void CLinux_set_thread_name(const char *name);
#endif
