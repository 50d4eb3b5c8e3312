#ifndef SHIM_FDS_H
#define SHIM_FDS_H

#include "shim.h"

typedef void (*restore_fn)(struct zq_header *, const struct zq_fd *);

void restore_fds(struct zq_header *);
void place(const struct zq_fd *, long);
long lift(long);
const char *saved(struct zq_header *, const struct zq_fd *);
_Noreturn void fd_die(const struct zq_fd *, const char *, long);

void restore_file(struct zq_header *, const struct zq_fd *);
void restore_pipe(struct zq_header *, const struct zq_fd *);
void restore_eventfd(struct zq_header *, const struct zq_fd *);
void restore_timerfd(struct zq_header *, const struct zq_fd *);
void restore_signalfd(struct zq_header *, const struct zq_fd *);
void restore_listen(struct zq_header *, const struct zq_fd *);
void restore_socket(struct zq_header *, const struct zq_fd *);
void restore_epoll(struct zq_header *, const struct zq_fd *);
void restore_dup(struct zq_header *, const struct zq_fd *);

#endif
