/* zhuque-guard [--end-on-signal] [--cgroup DIR] DIRFD SHIM [ARG...]
 *
 * Starts SHIM traced from its first instruction and stays its tracer to
 * the end, with PTRACE_O_TRACEEXIT|TRACECLONE|EXITKILL only: no system
 * call is stopped, a signal costs one signal-delivery stop, which passes it
 * on unchanged, and a group-stop is left to job control (PTRACE_LISTEN).
 * posix_spawn'ed children (a vfork-like clone) are not traced. When a
 * signal kills the program, every thread stops at its exit, where its
 * registers, FP state and descriptors can still be read: the guard writes
 * them into the image as a SIGPWR capture would (save.c), then lets the
 * threads die. Its own exit status is the program's (an exit code, or
 * death by the same signal), which the launcher reads as before. If the
 * guard dies, EXITKILL kills the program and the image is not saved.
 * --cgroup DIR: the program alone joins the cgroup DIR before its first
 * instruction; the guard stays outside, so that a memory limit there
 * (the OOM killer) never stops the guard's save, which needs memory. */
#include "guard.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>

static volatile pid_t child;

/* Signals a process sent to the guard (the launcher forwarding what it
 * got, a --fail-after SIGPWR) go on to the program; a terminal's signals
 * (SI_KERNEL) reached the program already, with the whole group. */
static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (child && si->si_code <= 0) kill(child, sig);
}

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGPWR };

static void forwarded_mask(int how)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(&set, forwarded[i]);
	sigprocmask(how, &set, 0);
}

/* The signals to pass on are blocked from the guard's start until there
 * is someone to pass them to: one that came earlier would otherwise end
 * the guard (the default action), or be dropped by the init of the pid
 * namespace, which the kernel spares signals it has no handler for (a
 * failure 0.5 ms after start was lost so). Blocked, it waits. */
static void catch_forwarded(void)
{
	struct sigaction sa = { .sa_sigaction = forward, .sa_flags = SA_SIGINFO|SA_RESTART };
	size_t i;

	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaction(forwarded[i], &sa, 0);
	forwarded_mask(SIG_UNBLOCK);
}

/* A signal the guard saves the program of: SIGKILL always, and the
 * requests to stop (SIGTERM, SIGINT, SIGHUP, SIGQUIT) unless
 * --end-on-signal; the program's own faults and other signals end it. */
static int end_on_signal;

/* The program's own faults: it stays faulted (the launcher says so), and
 * the guard records every thread's registers for zhuque inspect. */
static int faults(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE
		|| sig == SIGABRT || sig == SIGSYS || sig == SIGTRAP;
}

static int saves(int sig)
{
	if (sig == SIGKILL) return 1;
	return !end_on_signal && (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT);
}

static _Noreturn void start(int gate, char **argv)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	char c;
	int s;

	/* The program gets the dispositions and mask the guard was given,
	 * but for the failure signals: blocked already here, as the shim
	 * blocks them first thing, for a SIGPWR forwarded before the shim
	 * ran would otherwise end it by the default action (lost, no reason:
	 * a failure 0.5 ms after start, under load). The runtime unblocks
	 * them once it can capture a failure. */
	for (s = 1; s < 65; s++) sigaction(s, &dfl, 0);
	sigemptyset(&none);
	sigaddset(&none, SIGPWR);
	sigaddset(&none, ZQ_SIGSTOP_THREAD);
	sigprocmask(SIG_SETMASK, &none, 0);
	/* Until the guard has seized it: traced from the shim's first instruction. */
	while (read(gate, &c, 1) < 0 && errno == EINTR);
	close(gate);
	guard_ns_child(guard_resuming);
	execv(argv[0], argv);
	dprintf(2, "zhuque-guard: cannot start %s: %s\n", argv[0], strerror(errno));
	_exit(126);
}

static struct held *held;
static size_t nheld, capheld;
/* Threads let go from their exit stop (an exit of their own, or not a
 * death the guard saves) and not yet reaped: the kernel still lists them
 * in /proc/PID/task. A tid leaves the set when it is reaped, for the
 * kernel may give it to a new thread then (pid_max is 32768 here). */
static pid_t *passed;
static size_t npassed, cappassed;
static int dying;

static int known(pid_t tid)
{
	size_t i;

	for (i = 0; i < nheld; i++) if (held[i].tid == tid) return 1;
	for (i = 0; i < npassed; i++) if (passed[i] == tid) return 1;
	return 0;
}

/* A dying process whose threads have not all come to their exit stops
 * by then is let go unsaved (seen under thread churn: a thread the kernel
 * lists that never stops; not understood yet). */
#define GIVE_UP_SECONDS 5
static volatile sig_atomic_t late;
static void on_alarm(int sig) { (void)sig; late = 1; }

static void let_go(int dir, pid_t pid)
{
	char path[32];
	struct dirent *e;
	DIR *d;

	guard_give_up(dir);
	dprintf(2, "zhuque-guard: the program's threads did not all stop at their death within %d s; the death is not saved\n", GIVE_UP_SECONDS);
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	if ((d = opendir(path))) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') ptrace(PTRACE_CONT, atoi(e->d_name), 0, 0);
		closedir(d);
	}
	nheld = 0;
	dying = -1;
}

/* The number of threads the kernel counts in the group: those not yet
 * reaped, as the held and the passed are. */
static long thread_count(pid_t pid)
{
	char path[32], text[2048], *s;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) < 0) return -1;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	text[n > 0 ? n : 0] = 0;
	s = strstr(text, "\nThreads:");
	return s ? strtol(s + 9, 0, 10) : -1;
}

/* Every thread the kernel still lists is at its exit stop. The listing
 * alone is not enough: a readdir of /proc/PID/task racing with threads
 * being reaped can skip a live one (a thread left out of the save, the
 * thread list lock it held never given back), so the count must agree. */
static int all_held(pid_t pid)
{
	char path[32];
	struct dirent *e;
	DIR *d;
	int all = 1;

	if (thread_count(pid) != (long)(nheld + npassed)) return 0;
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	if (!(d = opendir(path))) return 1;
	while (all && (e = readdir(d)))
		if (e->d_name[0] != '.' && !known(atoi(e->d_name))) all = 0;
	closedir(d);
	return all;
}

static void pass(pid_t tid)
{
	if (npassed == cappassed) {
		pid_t *p = realloc(passed, (cappassed ? 2 * cappassed : 64) * sizeof *passed);
		if (!p) {
			dprintf(2, "zhuque-guard: out of memory; the program's death is not saved\n");
			exit(GUARD_USAGE);
		}
		passed = p;
		cappassed = cappassed ? 2 * cappassed : 64;
	}
	passed[npassed++] = tid;
	ptrace(PTRACE_CONT, tid, 0, 0);
}

static void reaped(pid_t tid)
{
	size_t i;

	for (i = 0; i < npassed; i++)
		if (passed[i] == tid) {
			passed[i] = passed[--npassed];
			return;
		}
}

/* The thread the process is read through: its leader, unless that ended
 * on its own before (pthread_exit), when it is listed still but has no
 * memory or descriptors left; then a held thread. */
static pid_t reader(pid_t pid)
{
	size_t i;

	for (i = 0; i < nheld; i++) if (held[i].tid == pid) return pid;
	return held[0].tid;
}

/* Once every listed thread is held (or was let go), the save. Asked again
 * whenever a thread is held, let go or reaped: the last thread the
 * kernel listed may be one that disappears without a stop of its own. */
static void settle(int dir, pid_t pid)
{
	size_t i;

	if (!nheld || !all_held(pid)) return;
	alarm(0);
	if (dying > 0) guard_save(dir, pid, reader(pid), held, nheld, dying, faults(dying));
	for (i = 0; i < nheld; i++) ptrace(PTRACE_CONT, held[i].tid, 0, 0);
	nheld = 0;
}

static void at_exit(int dir, pid_t pid, pid_t tid)
{
	unsigned long msg = 0;

	ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
	if (!(saves(msg & 0x7f) || faults(msg & 0x7f)) || (msg & 0xff00)) {
		pass(tid);
		settle(dir, pid);
		return;
	}
	dying = msg & 0x7f;
	if (nheld == capheld) {
		capheld = capheld ? 2 * capheld : 16;
		held = realloc(held, capheld * sizeof *held);
		if (!held) {
			dprintf(2, "zhuque-guard: out of memory; the program's death is not saved\n");
			exit(GUARD_USAGE);
		}
	}
	if (guard_hold(&held[nheld], pid, tid)) {
		/* A thread that cannot be read (gone already): the save would be
		 * wrong without it, so none is made. */
		dprintf(2, "zhuque-guard: thread %d could not be read at its exit (%s); the death is not saved\n",
			tid, strerror(errno));
		dying = -1;
		pass(tid);
		settle(dir, pid);
		return;
	}
	nheld++;
	if (nheld == 1) alarm(GIVE_UP_SECONDS);
	settle(dir, pid);
}

/* Killed or ended (a zombie), or with SIGKILL pending. */
static int dying_already(pid_t pid)
{
	char path[32], text[2048], *s;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) < 0) return 1;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	text[n > 0 ? n : 0] = 0;
	if ((s = strstr(text, "\nState:"))) {
		for (s += 7; *s == ' ' || *s == '\t'; s++);
		if (*s == 'Z' || *s == 'X') return 1;
	}
	if ((s = strstr(text, "\nShdPnd:")) && (strtoull(s + 8, 0, 16) >> (SIGKILL - 1) & 1)) return 1;
	if ((s = strstr(text, "\nSigPnd:")) && (strtoull(s + 8, 0, 16) >> (SIGKILL - 1) & 1)) return 1;
	return 0;
}

static _Noreturn void end_as(int status)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct rlimit none = { 0, 0 };
	sigset_t set;
	int sig;

	if (WIFEXITED(status)) exit(WEXITSTATUS(status));
	sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &none);
	sigaction(sig, &dfl, 0);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, 0);
	raise(sig);
	exit(128 + sig);
}

/* Before the program's first page is touched: image pages on tmpfs are
 * charged to the cgroup that touched them first. */
static int join_cgroup(const char *cg, pid_t pid)
{
	char path[4096];
	int fd, n, r;

	n = snprintf(path, sizeof path, "%s/cgroup.procs", cg);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_WRONLY|O_CLOEXEC)) < 0) return -1;
	r = dprintf(fd, "%d\n", pid) < 0 ? -1 : 0;
	close(fd);
	return r;
}

/* The stops the guard served, by kind: its whole price, since no system
 * call stops. A thread costs a stop at birth and one at its exit; its
 * creator's clone event is spared (the runtime's pthread_create passes
 * CLONE_UNTRACED|CLONE_PTRACE), and is counted for every other clone. */
static unsigned long stops_clone, stops_birth, stops_exit, stops_signal;

/* One line in the image's log at the program's end, unless a death was
 * saved: the save closed the guard's descriptors, the image's among them. */
static void note_stops(int dir)
{
	int fd = openat(dir, "zhuque.log", O_WRONLY|O_APPEND|O_NOFOLLOW|O_CLOEXEC);

	if (fd < 0) return;
	dprintf(fd, "[guard] ptrace stops: %lu clone, %lu new thread, %lu exit, %lu signal\n",
		stops_clone, stops_birth, stops_exit, stops_signal);
	close(fd);
}

static int trace(int dir, pid_t pid)
{
	for (;;) {
		int st, sig, event;
		pid_t t = waitpid(-1, &st, __WALL);

		if (t < 0) {
			if (errno == EINTR) {
				if (late && nheld) let_go(dir, pid);
				late = 0;
				continue;
			}
			dprintf(2, "zhuque-guard: waitpid: %s\n", strerror(errno));
			exit(GUARD_USAGE);
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (t == pid) {
				if (!dying) note_stops(dir);
				return st;
			}
			reaped(t);
			settle(dir, pid);
			continue;
		}
		sig = WSTOPSIG(st);
		event = st >> 16;
		if (event == PTRACE_EVENT_EXIT) {
			stops_exit++;
			at_exit(dir, pid, t);
		} else if (event == PTRACE_EVENT_STOP && (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)) {
			ptrace(PTRACE_LISTEN, t, 0, 0);
		} else if (event) {
			if (event == PTRACE_EVENT_CLONE) stops_clone++;
			else if (event == PTRACE_EVENT_STOP) stops_birth++;
			ptrace(PTRACE_CONT, t, 0, 0);
		} else {
			stops_signal++;
			ptrace(PTRACE_CONT, t, 0, sig);
		}
	}
}

int main(int argc, char **argv)
{
	int gate[2], dir, i = 1, st;
	const char *cgroup = 0;
	pid_t pid;

	for (;;) {
		if (i < argc && !strcmp(argv[i], "--end-on-signal")) end_on_signal = 1, i++;
		else if (i + 1 < argc && !strcmp(argv[i], "--cgroup")) cgroup = argv[i + 1], i += 2;
		else break;
	}
	if (argc - i < 2) {
		dprintf(2, "usage: zhuque-guard [--end-on-signal] [--cgroup DIR] DIRFD SHIM [ARG...]\n");
		return GUARD_USAGE;
	}
	dir = atoi(argv[i++]);
	guard_resuming = argc - i > 1 && !strcmp(argv[i + 1], "resume");
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, 0);
	forwarded_mask(SIG_BLOCK);
	/* From here on the init of the program's pid namespace (ns.c). */
	if ((pid = guard_ns_init()) > 0) {
		child = pid;
		catch_forwarded();
		end_as(guard_ns_wait(pid));
	}
	if (pipe2(gate, O_CLOEXEC)) {
		dprintf(2, "zhuque-guard: pipe: %s\n", strerror(errno));
		return GUARD_USAGE;
	}
	pid = fork();
	if (pid < 0) {
		dprintf(2, "zhuque-guard: fork: %s\n", strerror(errno));
		return GUARD_USAGE;
	}
	if (!pid) {
		close(gate[1]);
		start(gate[0], argv + i);
	}
	close(gate[0]);
	if (cgroup && join_cgroup(cgroup, pid)) {
		int err = errno;
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		dprintf(2, "zhuque-guard: cannot move the program into the cgroup %s: %s; it is not started\n", cgroup, strerror(err));
		return GUARD_USAGE;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXIT|PTRACE_O_TRACECLONE|PTRACE_O_EXITKILL)) {
		int err = errno, st = 0;
		/* Never an untraced program: its death could not be saved. A
		 * child killed before it could be seized (nothing of it ran)
		 * ends as it died. */
		if (dying_already(pid)) {
			waitpid(pid, &st, 0);
			guard_ns_exit(st);
		}
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		dprintf(2, "zhuque-guard: cannot trace the program (%s); it is not started\n", strerror(err));
		return GUARD_USAGE;
	}
	child = pid;
	catch_forwarded();
	close(gate[1]);
	st = trace(dir, pid);
	guard_restore_words();
	guard_ns_exit(st);
}
