/* zhuque-shim: the loader and (later) restorer of Zhuque. The launcher
 * starts it as
 *	zhuque-shim run [--lazy-space] DIRFD LOCKFD PROGRAM ARGV0 [ARG...]
 * with the image directory and its held lock open on DIRFD and LOCKFD.
 * It builds the image, then becomes the program in the same process.
 *	zhuque-shim resume DIRFD LOCKFD PROGRAM
 * brings a saved image back (resume.c). */
#include "shim.h"
#include <fcntl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <signal.h>
#include <time.h>

#define TMPFS_MAGIC 0x01021994

/* The vDSO and the kernel's own placements must be the same in every
 * process of an image, so the shim runs without address randomization. */
static void no_aslr(char **argv, char **envp)
{
	long p = sys(SYS_personality, 0xffffffff, 0, 0);

	if (p < 0 || (p & ADDR_NO_RANDOMIZE)) return;
	if (sys(SYS_personality, p | ADDR_NO_RANDOMIZE, 0, 0) < 0) return;
	sys(SYS_execve, "/proc/self/exe", argv, envp);
	die(EXIT_SETUP, "cannot re-execute the shim without ASLR", 0, -1);
}

static const char *base_name(const char *s)
{
	const char *b = s;
	for (; *s; s++) if (*s == '/') b = s + 1;
	return b;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	sys(SYS_clock_gettime, CLOCK_REALTIME, &ts, 0);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Stores to tmpfs pages are where they belong when the process dies; on
 * any other filesystem the runtime flushes them at a failure. */
static uint32_t image_flags(int dir)
{
	struct statfs st;

	if (sys(SYS_fstatfs, dir, &st, 0) == 0 && st.f_type == TMPFS_MAGIC) return 0;
	return ZQ_FLAG_SYNC;
}

/* The program starts with the failure signals blocked; its runtime
 * unblocks them once it can capture a failure. */
static void block_failures(void)
{
	unsigned long m = 1UL << (SIGPWR - 1) | 1UL << (ZQ_SIGSTOP_THREAD - 1);
	sys4(SYS_rt_sigprocmask, SIG_BLOCK, &m, 0, 8);
}

static _Noreturn void run(char **args, char **envp, uint64_t *kaux, uint32_t flags)
{
	struct program prog = { 0 }, libc = { 0 }, *ld = 0;
	struct zq_header *h;
	int dir, lock;
	long rdir;
	uint64_t sp;

	block_failures();
	dir = move_high(parse_fd(args[0]));
	lock = move_high(parse_fd(args[1]));
	load_program(&prog, args[2], ZQ_PIE_BASE);

	h = create_context(dir);
	h->dir_fd = dir;
	h->lock_fd = lock;
	h->flags = image_flags(dir) | flags;
	sys(SYS_mkdirat, dir, ZQ_REGIONS_DIR, 0700);
	rdir = sys4(SYS_openat, dir, ZQ_REGIONS_DIR, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC, 0);
	if (rdir < 0) die(EXIT_SETUP, "cannot open", ZQ_REGIONS_DIR "/", rdir);

	if (prog.dynamic) {
		load_elf(&libc, pin_libc(rdir, h->flags), ZQ_INTERP_BASE);
		ld = &libc;
	}
	map_program(&prog, ld, h, rdir);
	map_windows(h, rdir, prog.end);
	map_stack(h, rdir);
	sp = build_stack(h, &prog, ld ? ld->bias : 0, args + 3, envp, kaux);
	sys(SYS_close, rdir, 0, 0);
	sys(SYS_close, prog.fd, 0, 0);
	if (ld) sys(SYS_close, ld->fd, 0, 0);

	for (; kaux[0]; kaux += 2) if (kaux[0] == AT_SYSINFO_EHDR) h->vdso = kaux[1];
	h->vdso_hash = vdso_hash(h->vdso);
	h->xcr0 = xcr0();
	h->pid = sys(SYS_getpid, 0, 0, 0);
	h->started_ns = now_ns();
	h->state = ZQ_STATE_RUNNING;
	sys(SYS_prctl, PR_SET_NAME, base_name(args[3]), 0);
	install_filter(h, &prog, ld);
	enter(ld ? ld->eh.e_entry : h->entry, sp);
}

_Noreturn void shim_main(long *sp)
{
	int argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **e = envp;
	uint64_t *kaux;

	while (*e) e++;
	kaux = (uint64_t *)(e + 1);
	no_aslr(argv, envp);
	if (argc >= 7 && streq(argv[1], "run") && streq(argv[2], "--lazy-space"))
		run(argv + 3, envp, kaux, ZQ_FLAG_LAZY_SPACE);
	if (argc >= 6 && streq(argv[1], "run"))
		run(argv + 2, envp, kaux, 0);
	if (argc == 5 && streq(argv[1], "resume")) {
		block_failures();
		resume(move_high(parse_fd(argv[2])), move_high(parse_fd(argv[3])), argv[4], kaux);
	}
	die(EXIT_SETUP, "usage: zhuque-shim run [--lazy-space] DIRFD LOCKFD PROGRAM ARGV0 [ARG...]"
		" | resume DIRFD LOCKFD PROGRAM", 0, 0);
}
