#ifndef SHIM_FDS_H
#define SHIM_FDS_H

#include "shim.h"

/* A restore returns 0 when done, NOT_READY when what it needs is not
 * back yet (it is then called again later). */
#define NOT_READY 1
typedef int (*restore_fn)(struct zq_header *, const struct zq_fd *);

void restore_fds(struct zq_header *);
void place(const struct zq_fd *, long);
long lift(long);
int missing(long);
void restored(long);
const char *saved(struct zq_header *, const struct zq_fd *);
_Noreturn void fd_die(const struct zq_fd *, const char *, long);

int restore_file(struct zq_header *, const struct zq_fd *);
int restore_pipe(struct zq_header *, const struct zq_fd *);
int restore_eventfd(struct zq_header *, const struct zq_fd *);
int restore_timerfd(struct zq_header *, const struct zq_fd *);
int restore_signalfd(struct zq_header *, const struct zq_fd *);
int restore_listen(struct zq_header *, const struct zq_fd *);
int restore_socket(struct zq_header *, const struct zq_fd *);
int restore_epoll(struct zq_header *, const struct zq_fd *);
int restore_dup(struct zq_header *, const struct zq_fd *);

#endif
