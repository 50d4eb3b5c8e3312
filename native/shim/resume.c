/* zhuque-shim resume DIRFD LOCKFD PROGRAM: maps a saved image back at its
 * addresses and recreates its threads, each of which then returns from
 * its saved signal frame through the runtime's __zq_resume_thread. */
#include "shim.h"
#include "fds.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <asm/prctl.h>

#define EEXIST 17
#define THREAD_FLAGS (CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD \
	|CLONE_SYSVSEM|CLONE_SETTLS)
#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000

#define CAP_CHECKPOINT_RESTORE 40
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_CLEAR_ALL 4

struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

long spawn_thread3(struct clone_args *, uint64_t size, void (*fn)(struct zq_thread *),
	struct zq_thread *arg);
_Noreturn void enter_resume(uint64_t fn, void *arg, uint64_t stack);

static int open_file(int dir, const char *name)
{
	long fd = sys4(SYS_openat, dir, name, O_RDWR|O_NOFOLLOW|O_CLOEXEC, 0);
	if (fd < 0) die(EXIT_SETUP, "cannot open image file", name, fd);
	return fd;
}

/* The launcher checked the image before starting the shim; these checks
 * guard the shim against an image changed since. */
static struct zq_header *map_context(int dir)
{
	struct zq_header head;
	int fd = open_file(dir, "context");
	long r = sys4(SYS_pread64, fd, &head, sizeof head, 0);
	struct zq_header *h;

	if (r != sizeof head || head.magic != ZQ_MAGIC
	    || head.abi_version != ZQ_ABI_VERSION || head.header_size != sizeof head)
		die(EXIT_SETUP, "the image context is not one this shim reads", 0, 0);
	if (head.state != ZQ_STATE_SAVED)
		die(EXIT_SETUP, "the image holds no saved failure", 0, 0);
	/* The saved frames hold the registers of every component the saving
	 * CPU had on; rt_sigreturn on a CPU without one of them would fail. */
	if (head.xcr0 & ~xcr0())
		die(EXIT_SETUP, "the image was saved on a CPU with registers this one lacks (XCR0)", 0, 0);
	if (head.region_count > head.region_cap || head.region_off != ZQ_REGIONS_OFF
	    || head.thread_count == 0 || head.thread_count > head.thread_cap
	    || head.thread_off != ZQ_THREADS_OFF || !head.resume_entry)
		die(EXIT_SETUP, "the image context is inconsistent", 0, 0);
	h = map(ZQ_CONTEXT_ADDR, ZQ_CONTEXT_SIZE, PROT_READ|PROT_WRITE,
		MAP_SHARED|MAP_FIXED_NOREPLACE, fd, 0);
	sys(SYS_close, fd, 0, 0);
	if ((long)h < 0) die(EXIT_SETUP, "cannot map the image context", 0, (long)h);
	if (h->fd_count > ZQ_FDS_CAP || h->fd_off != ZQ_FDS_OFF || !zq_splice_valid(h)
	    || h->save_off != ZQ_SAVE_OFF || h->save_len > ZQ_SAVE_SIZE
	    || zq_checksum(h) != h->checksum)
		die(EXIT_SETUP, "the image context fails its checksum", 0, 0);
	return h;
}

static int reserve(int rdir, const char *name, uint64_t addr, uint64_t size)
{
	int fd = open_file(rdir, name);
	void *r = map(addr, size, PROT_NONE,
		MAP_SHARED|MAP_FIXED_NOREPLACE|MAP_NORESERVE, fd, 0);

	if ((long)r < 0) die(EXIT_SETUP, "cannot reserve", name, (long)r);
	return fd;
}

static void map_region(const struct zq_header *h, const struct zq_region *r,
	int rdir, int prog)
{
	uint64_t len = r->end - r->start;
	long res;
	int fd;

	switch (r->file) {
	case ZQ_FILE_PROGRAM:
		res = (long)map(r->start, len, r->prot, MAP_PRIVATE|MAP_FIXED_NOREPLACE, prog, r->offset);
		break;
	case ZQ_FILE_ARENA:
	case ZQ_FILE_BRK:
		res = sys(SYS_mprotect, r->start, len, r->prot);
		break;
	case ZQ_FILE_DATA:
	case ZQ_FILE_STACK:
	case ZQ_FILE_FIXED:
		fd = open_file(rdir, zq_file_names[r->file]);
		res = (long)map(r->start, len, r->prot, MAP_SHARED|MAP_FIXED_NOREPLACE, fd, r->offset);
		sys(SYS_close, fd, 0, 0);
		break;
	default:
		if (r->file < ZQ_FILE_MAPPED)
			die(EXIT_SETUP, "the image names an unknown region file", 0, 0);
		res = map_file_region(h, r);
	}
	if (res < 0) die(EXIT_SETUP, "cannot map a saved region back", 0, res);
}

static void map_regions(struct zq_header *h, int rdir, int prog)
{
	uint32_t i, n = zq_region_total(h);

	sys(SYS_close, reserve(rdir, zq_file_names[ZQ_FILE_BRK], h->brk_start, ZQ_BRK_MAX), 0, 0);
	h->arena_fd = move_high(reserve(rdir, zq_file_names[ZQ_FILE_ARENA], ZQ_ARENA_BASE, ZQ_ARENA_SIZE));
	/* The table as it is once an edit a thread was stopped in is done
	 * (image.h, "Runtime sections"): that thread finishes the edit
	 * itself, and redoes the system calls after it. */
	for (i = 0; i < n; i++) {
		struct zq_region r = zq_region_view(h, i);
		map_region(h, &r, rdir, prog);
	}
}

/* Below the frame the thread's stack is free: the kernel pushed the frame
 * under the interrupted stack pointer and its red zone. */
static uint64_t stack_below(const struct zq_thread *t)
{
	return (t->frame - 512) & -16UL;
}

/* The saved thread whose tid is the process's pid: this one, the
 * process the guard started in a new pid namespace, where it has the
 * saved pid. None when the program's main thread had ended. */
static uint32_t pick_leader(struct zq_header *h)
{
	const struct zq_thread *t = ZQ_THREADS(h);
	long pid = sys(SYS_getpid, 0, 0, 0);
	uint32_t i;

	if (pid != h->pid)
		die(EXIT_SETUP, "the resume is not in the program's own pid namespace (start it with zhuque resume)", 0, 0);
	for (i = 0; i < h->thread_count; i++) if (t[i].tid == h->pid) return i;
	return h->thread_count;
}

/* The guard gave a user's shim CAP_CHECKPOINT_RESTORE (ambient) to create
 * threads with their tids; every thread gives it up before the program
 * runs. A root shim was given nothing and keeps what it had. */
static void drop_ambient(void)
{
	uint32_t head[2] = { 0x20080522, 0 }, data[6];

	if (sys6(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHECKPOINT_RESTORE, 0, 0, 0) != 1) return;
	sys6(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0);
	memset(data, 0, sizeof data);
	if (sys(SYS_capset, head, data, 0) < 0) die(EXIT_SETUP, "cannot drop the capability to set thread ids", 0, 0);
}

typedef void entry_fn(struct zq_thread *);

/* A recreated thread's first code: the runtime's entry never returns. */
static void born(struct zq_thread *t)
{
	entry_fn *entry = (entry_fn *)((struct zq_header *)ZQ_CONTEXT_ADDR)->resume_entry;

	drop_ambient();
	entry(t);
}

/* Each thread with its saved tid (clone3 set_tid, as CRIU does). musl's
 * clear-tid word, on which pthread_exit and join rely, is set by the
 * runtime once the image runs (resume.c there). */
static void spawn(struct zq_thread *t)
{
	int32_t tid = t->tid;
	struct clone_args a = {
		.flags = THREAD_FLAGS, .tls = t->tp,
		.stack = stack_below(t) - 64, .stack_size = 64,
		.set_tid = (uint64_t)&tid, .set_tid_size = 1,
	};
	long r = spawn_thread3(&a, sizeof a, born, t);

	if (r == -EEXIST) die(EXIT_SETUP, "a saved thread id is taken in the new pid namespace", 0, r);
	if (r < 0) die(EXIT_SETUP, "cannot recreate a thread with its saved id", 0, r);
}

_Noreturn void resume(int dir, int lock, const char *path, uint64_t *kaux)
{
	static char libc_path[sizeof ZQ_MAPS((struct zq_header *)0)->path];
	struct program prog = { 0 }, libc = { 0 };
	struct zq_header *h = map_context(dir);
	struct zq_thread *t = ZQ_THREADS(h);
	uint64_t vdso = 0, all = -1UL;
	uint32_t i, leader, threads;
	long rdir;

	for (; kaux[0]; kaux += 2) if (kaux[0] == AT_SYSINFO_EHDR) vdso = kaux[1];
	if (vdso != h->vdso)
		die(EXIT_SETUP, "the vDSO is not where the saved program expects it (another kernel?)", 0, 0);
	if (vdso_hash(vdso) != h->vdso_hash)
		die(EXIT_SETUP, "the vDSO is not the one the program was saved with (another kernel?)", 0, 0);
	check_mapped_files(h);
	load_program(&prog, path, h->prog_base);
	if (prog.eh.e_entry != h->entry)
		die(EXIT_SETUP, "the program is not the one the image was saved from:", path, 0);
	/* The filter needs the text of libc.so, the shim's entry 0 of the
	 * mapped-file table, checked unchanged just above. */
	if (prog.dynamic) {
		if (!h->map_count || ZQ_MAPS(h)->path_len >= sizeof ZQ_MAPS(h)->path)
			die(EXIT_SETUP, "the image's table of mapped files is inconsistent", 0, 0);
		memcpy(libc_path, ZQ_MAPS(h)->path, ZQ_MAPS(h)->path_len);
		load_elf(&libc, libc_path, h->interp_base);
		sys(SYS_close, libc.fd, 0, 0);
	}
	rdir = sys4(SYS_openat, dir, ZQ_REGIONS_DIR, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC, 0);
	if (rdir < 0) die(EXIT_SETUP, "cannot open", ZQ_REGIONS_DIR "/", rdir);
	map_regions(h, rdir, prog.fd);
	sys(SYS_close, rdir, 0, 0);
	sys(SYS_close, prog.fd, 0, 0);

	h->dir_fd = dir;
	h->lock_fd = lock;
	restore_fds(h);
	install_filter(h, &prog, prog.dynamic ? &libc : 0);
	h->resume_ready = 0;
	h->resume_go = 0;
	sys4(SYS_rt_sigprocmask, SIG_BLOCK, &all, 0, 8);
	/* Counted once: the first thread spawned may already be running the
	 * runtime's lead(), which empties the table (thread_count 0) once the
	 * others are in; read again, a main thread that had ended took that
	 * for its own entry and jumped to a frame at 0 (SIGSEGV, under load). */
	threads = h->thread_count;
	leader = pick_leader(h);
	for (i = 0; i < threads; i++) if (i != leader) spawn(&t[i]);
	/* The main thread had ended: the leader's pid stays, as it did. */
	if (leader == threads) for (;;) sys(SYS_exit, 0, 0, 0);
	sys(SYS_arch_prctl, ARCH_SET_FS, t[leader].tp, 0);
	drop_ambient();
	enter_resume(h->resume_entry, &t[leader], stack_below(&t[leader]));
}
