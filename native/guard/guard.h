/* The guard: a small process between the launcher and the program that
 * traces the program (PTRACE_O_TRACEEXIT|TRACECLONE|EXITKILL only) and,
 * when a signal kills it, saves from outside what the runtime's SIGPWR
 * capture saves from inside (native/runtime/failure.c). */
#ifndef ZQ_GUARD_H
#define ZQ_GUARD_H

#define _GNU_SOURCE
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>
#include <zhuque/image.h>

/* The guard's own refusals, as the shim's (native/shim/sys.h). */
#define GUARD_USAGE 125

/* One thread held at its exit stop. */
struct held {
	pid_t tid;
	struct user_regs_struct regs;
	uint64_t mask;       /* SigBlk */
	size_t xlen;         /* bytes of xstate */
	char comm[16];
	uint64_t ss_sp, ss_size; /* its sigaltstack, as the runtime recorded it */
	uint32_t ss_flags;       /* SS_DISABLE when none */
	int gone;                /* not resumed: in the runtime's exit tail (1 + rip's offset there), or past DT_EXITED in pthread_exit (-1) */
	unsigned char xstate[4096] __attribute__((aligned(64)));
};

/* thread.c: what a thread was at its exit stop, and its signal frame. */
int guard_hold(struct held *, pid_t pid, pid_t tid);
int guard_push_frame(int mem, const struct held *, int sig, uint64_t *frame);
uint64_t guard_frame_low(const struct held *);

/* save.c: the image, written as failure.c writes it; tid is a thread
 * held at its exit stop, through which the process is read. */
void guard_save(int dir, pid_t pid, pid_t tid, struct held *, size_t n, int sig, int fault);
void guard_restore_words(void);
void guard_give_up(int dir);

/* ns.c: the program's pid namespace, the guard its init. */
pid_t guard_ns_init(void);
int guard_ns_wait(pid_t init);
_Noreturn void guard_ns_exit(int status);
void guard_ns_child(int resuming);

/* Set when the guard started a resume (`zhuque-shim resume ...`). */
extern int guard_resuming;

/* The runtime inside Zhuque's libc.a, which the guard links (hidden
 * symbols of a static archive link fine): its descriptor save runs here,
 * on duplicates of the dead program's descriptors. */
extern struct zq_header *__zq_ctx;
int __zq_save_fds(void);
extern const unsigned char __zq_unmapself_tail[], __zq_unmapself_end[];

#endif
