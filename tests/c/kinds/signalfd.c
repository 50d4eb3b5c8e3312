/* signalfd keeps its mask; signal dispositions, the mask, the alternate
 * stack, the working directory and the umask survive too. */
#include "check.h"
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

static volatile int got;
static void on_usr1(int s) { (void)s; got++; }

int main(int argc, char **argv)
{
	sigset_t m, cur;
	static char alt[65536];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt }, now;
	struct sigaction sa = { .sa_handler = on_usr1 };
	char cwd[4096];

	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	sigprocmask(SIG_BLOCK, &m, 0);
	int fd = signalfd(-1, &m, 0);
	sigaction(SIGUSR1, &sa, 0);
	signal(SIGHUP, SIG_IGN);
	sigaltstack(&ss, 0);
	if (argc > 1) chdir(argv[1]);
	umask(027);
	hold(1.5);
	raise(SIGUSR2);
	struct signalfd_siginfo si;
	CHECK(read(fd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR2, "signalfd lost its mask");
	raise(SIGUSR1);
	CHECK(got == 1, "SIGUSR1 handler lost");
	sigaction(SIGHUP, 0, &sa);
	CHECK(sa.sa_handler == SIG_IGN, "SIG_IGN lost");
	sigprocmask(SIG_BLOCK, 0, &cur);
	CHECK(sigismember(&cur, SIGUSR2), "signal mask lost");
	sigaltstack(0, &now);
	CHECK(now.ss_sp == alt && now.ss_size == sizeof alt, "sigaltstack lost");
	CHECK(argc < 2 || (getcwd(cwd, sizeof cwd) && !strcmp(cwd, argv[1])), "cwd %s, want %s", cwd, argv[1]);
	mode_t old = umask(0);
	CHECK(old == 027, "umask %o, want 027", old);
	return verdict();
}
