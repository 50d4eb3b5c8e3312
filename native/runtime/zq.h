/* Internal interface of the Zhuque runtime, compiled into musl as
 * src/zhuque. The hooks musl calls are declared in src/internal/zhuque.h. */
#ifndef ZQ_RUNTIME_H
#define ZQ_RUNTIME_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stddef.h>
#include <signal.h>
#include <zhuque/image.h>
#include "zhuque.h"

#define ZQ_PAGE 4096UL
#define ZQ_PAGE_UP(x) (((x) + ZQ_PAGE - 1) & -ZQ_PAGE)

/* The context of this process, or 0 when it was not started by the shim. */
extern hidden struct zq_header *__zq_ctx;

hidden void __zq_lock(void);
hidden int __zq_trylock(void);
hidden void __zq_unlock(void);
extern hidden int __zq_tls_ready;
hidden int __zq_in_section(void);

/* The region table (regions.c); callers hold the lock. */
hidden size_t __zq_region_find(uint64_t);
hidden long __zq_region_cut(uint64_t, uint64_t);
hidden long __zq_region_add(const struct zq_region *);
hidden long __zq_region_protect(uint64_t, uint64_t, uint32_t);
hidden long __zq_region_room(size_t);

/* File space of image memory (reserve.c); callers hold the lock. */
hidden long __zq_reserve(uint32_t, uint64_t, uint64_t);
hidden long __zq_fallocate(long, int, uint64_t, uint64_t);
hidden void __zq_file_path(char *, uint32_t);
hidden long __zq_reserve_range(uint64_t, uint64_t);
hidden long __zq_reserve_context(uint64_t, uint64_t);
hidden long __zq_reserve_table(uint64_t, uint64_t *, uint64_t);
extern hidden int __zq_space_error;

/* Arena space held between a munmap and the next mmap (hold.c); callers
 * hold the lock. Offsets are the arena file's. */
hidden int __zq_hold_take(uint64_t, uint64_t);
hidden void __zq_hold_give(uint64_t, uint64_t, int);
hidden int __zq_hold_zero(uint64_t, uint64_t);
hidden void __zq_hold_drop(uint64_t, uint64_t);
hidden int __zq_hold_release(void);

/* Placement (arena.c and map.c); callers hold the lock. */
hidden uint64_t __zq_arena_alloc(uint64_t);
hidden int __zq_arena_free(uint64_t, uint64_t);
hidden int __zq_in_arena(uint64_t, uint64_t);
hidden long __zq_place(uint64_t, uint64_t, int, int);
hidden long __zq_unmap(uint64_t, uint64_t);
hidden long __zq_punch(uint32_t, uint64_t, uint64_t);
hidden void __zq_punched(uint32_t, uint64_t, uint64_t);
hidden int __zq_outside_windows(uint64_t, uint64_t);
hidden long __zq_arena_grow(uint64_t, uint64_t);
hidden void __zq_arena_freed(uint64_t, uint64_t);

/* Files the program mapped (mapfile.c, mapcopy.c); callers hold the lock
 * but for __zq_map_file, which takes it. */
hidden long __zq_map_file(void *, size_t, int, int, int, off_t);
hidden long __zq_map_copy(void *, size_t, int, int, int, off_t);
hidden int __zq_maps_file(uint64_t, uint64_t);
hidden long __zq_remap_file(const struct zq_region *, uint64_t, uint64_t, uint64_t, int);

/* Memory whose pages are in an image file (not the program's, not a
 * file the program mapped): munmap and MADV_DONTNEED punch it. */
#define ZQ_IMAGE_FILE(f) ((f) != ZQ_FILE_PROGRAM && (f) < ZQ_FILE_MAPPED)

/* Failure and resume (signal.c, failure.c, resume.c). The call of the
 * program's SIGPWR handler owed after a resume comes as the runtime's
 * signal with this value (SI_QUEUE), apart from any real SIGPWR. */
#define ZQ_OWED_POWER 0x5a51504f
/* A snapshot (zhuque snapshot, src/Launcher/Snapshot): SIGPWR queued by
 * the launcher with ZQ_SNAPSHOT captures every thread as a failure does,
 * then holds them until SIGPWR with ZQ_SNAPSHOT_DONE says the image is
 * copied; the process goes on (snapshot.c). */
#define ZQ_SNAPSHOT      0x5a51534e
#define ZQ_SNAPSHOT_DONE 0x5a515344
/* During each hold the runtime also offers a write tracker (snapshot.c):
 * a launcher that takes it lets this hold go, copies while the program
 * runs, and asks again; one that does not copies during this hold. */
hidden int __zq_snapshot_arm(void);
extern hidden volatile int __zq_snapshot_go;
hidden int __zq_is_snapshot(const siginfo_t *);
hidden int __zq_snapshot_hold(void);
hidden void __zq_snapshot_release(void);
extern hidden volatile int __zq_failing;
hidden void __zq_install_handlers(void);
hidden void __zq_reinstall_actions(void);
hidden int __zq_app_handles_power(void);
hidden void __zq_call_app_power(int, siginfo_t *, void *);
hidden void __zq_on_power(int, siginfo_t *, void *);
hidden void __zq_on_stop(int, siginfo_t *, void *);
hidden _Noreturn void __zq_resume_thread(struct zq_thread *);
hidden void __zq_record_altstack(const stack_t *);

/* Descriptors (fds.c, fd_KIND.c): saved by the coordinator at a failure. */
hidden int __zq_save_fds(void);
hidden int __zq_each_number(const char *, void (*)(uint64_t, int, void *), void *);
hidden char *__zq_decimal(char *, uint64_t);
hidden long __zq_thread_total(void);
hidden long __zq_vfork_refused(void);
hidden long __zq_gate(long, long, long, long, long, long);
hidden uint64_t __zq_save_bytes(const void *, size_t);
hidden void __zq_keep(struct zq_fd *, const void *, size_t);
hidden void __zq_short_of(uint32_t, int);
hidden char *__zq_fdinfo(int);
hidden const char *__zq_field(const char *, const char *);
hidden uint64_t __zq_number(const char **, int);
hidden void __zq_save_file(struct zq_fd *, const char *, unsigned long);
hidden void __zq_save_pipe(struct zq_fd *);
hidden void __zq_pair_pipes(void);
hidden void __zq_save_eventfd(struct zq_fd *);
hidden void __zq_save_timerfd(struct zq_fd *);
hidden void __zq_save_signalfd(struct zq_fd *);
hidden void __zq_save_epoll(struct zq_fd *);
hidden void __zq_save_socket(struct zq_fd *);
hidden void __zq_save_unix(struct zq_fd *);
hidden void __zq_pair_sockets(void);

hidden _Noreturn void __zq_unmapself_tail(void *, size_t, volatile uint32_t *, long, uint64_t);

#endif
