/* The program's own pid namespace, with the guard as its init.
 *
 * The guard started by the launcher (the outer guard) creates a pid
 * namespace (with a user namespace when it is not root) and forks its
 * init: the guard proper, which mounts a /proc of the namespace in a
 * mount namespace of its own and forks the program, always pid 2 there.
 * So the program's pid is the same in every run, and a resume, created
 * the same way, gives each thread back its saved tid (clone3 set_tid in
 * the shim). The outer guard only passes signals on to the init and ends
 * as the program ended: an init cannot die of a signal it sends itself,
 * so it leaves the program's wait status in a page both share. */
#include "guard.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

struct report {
	int done;
	int status;
};

static struct report *report;
static int userns;

static _Noreturn void fail(const char *what)
{
	dprintf(2, "zhuque-guard: cannot give the program its own pid namespace (%s: %s)\n",
		what, strerror(errno));
	_exit(GUARD_USAGE);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY|O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) fail(path);
	close(fd);
}

/* The user keeps its own ids inside: files it creates are its, and
 * getuid() says what it said outside. */
static void map_ids(uid_t uid, gid_t gid)
{
	char line[64];

	snprintf(line, sizeof line, "%u %u 1\n", uid, uid);
	write_file("/proc/self/uid_map", line);
	write_file("/proc/self/setgroups", "deny");
	snprintf(line, sizeof line, "%u %u 1\n", gid, gid);
	write_file("/proc/self/gid_map", line);
}

/* Root needs no user namespace; anyone else (or a root without
 * CAP_SYS_ADMIN, in a container) creates one and is root of it. */
static void unshare_pid(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (geteuid() == 0 && !unshare(CLONE_NEWPID)) return;
	if (unshare(CLONE_NEWUSER|CLONE_NEWPID)) fail("unshare");
	userns = 1;
	map_ids(uid, gid);
}

/* The init's own mount namespace, so /proc is the namespace's: the
 * runtime lists /proc/self/task and the guard reads /proc/PID by the
 * ids the program knows. Mounts still propagate in from outside. */
static void mount_proc(void)
{
	if (unshare(CLONE_NEWNS)) fail("unshare mount namespace");
	if (mount(0, "/", 0, MS_REC|MS_SLAVE, 0)) fail("mount --make-rslave /");
	if (mount("proc", "/proc", "proc", MS_NOSUID|MS_NODEV|MS_NOEXEC, 0)) fail("mount /proc");
}

pid_t guard_ns_init(void)
{
	pid_t init;

	report = mmap(0, sizeof *report, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0);
	if (report == MAP_FAILED) fail("mmap");
	unshare_pid();
	init = fork();
	if (init < 0) fail("fork");
	if (init) return init;
	/* The outer guard gone (killed), the init goes, and with it every
	 * process of the namespace: never a program running unguarded. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	mount_proc();
	return 0;
}

int guard_ns_wait(pid_t init)
{
	int st;

	while (waitpid(init, &st, 0) < 0)
		if (errno != EINTR) {
			dprintf(2, "zhuque-guard: waitpid: %s\n", strerror(errno));
			return GUARD_USAGE << 8;
		}
	return report->done ? report->status : st;
}

_Noreturn void guard_ns_exit(int status)
{
	report->status = status;
	__atomic_store_n(&report->done, 1, __ATOMIC_RELEASE);
	_exit(0);
}

/* A resume's shim creates each thread with its saved tid, which needs
 * CAP_CHECKPOINT_RESTORE in the namespace's user namespace. A user
 * mapped to itself keeps no capability across exec but an ambient one;
 * the shim drops it in every thread before the program runs. */
void guard_ns_child(int resuming)
{
	struct { uint32_t version; int pid; } head = { 0x20080522, 0 };
	struct { uint32_t eff, perm, inh; } data[2];

	if (!userns || !resuming) return;
	if (syscall(SYS_capget, &head, data)) fail("capget");
	data[CAP_CHECKPOINT_RESTORE / 32].inh |= 1u << (CAP_CHECKPOINT_RESTORE % 32);
	if (syscall(SYS_capset, &head, data)) fail("capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHECKPOINT_RESTORE, 0, 0)) fail("ambient capability");
}
