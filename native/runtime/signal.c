#include "zq.h"
#include "syscall.h"
#include "ksigaction.h"
#include <signal.h>
#include <string.h>
#include <errno.h>

/* Every disposition the program gave the kernel, so that a resume can
 * give them to the kernel of the new process. Static, hence in .bss,
 * hence in the image. */
static struct k_sigaction actions[_NSIG];
static unsigned char action_set[_NSIG];

/* The program's SIGPWR action. The kernel's belongs to the runtime: to
 * the program a power failure is an exception delivered after resume. */
static struct sigaction app_power;

hidden void __restore_rt(void);

int __zq_sigaction(int sig, const struct sigaction *sa, struct sigaction *old, long *r)
{
	if (!__zq_ctx) return 0;
	if (sig == ZQ_SIGSTOP_THREAD) {
		*r = -EINVAL;
		return 1;
	}
	if (sig != SIGPWR) return 0;
	if (old) *old = app_power;
	if (sa) app_power = *sa;
	*r = 0;
	return 1;
}

void __zq_record_action(int sig, const struct k_sigaction *ksa)
{
	if (!__zq_ctx) return;
	actions[sig] = *ksa;
	action_set[sig] = 1;
}

static unsigned long runtime_signals(void)
{
	return 1UL << (SIGPWR - 1) | 1UL << (ZQ_SIGSTOP_THREAD - 1);
}

/* A failure cannot be blocked: the runtime's signals are taken out of
 * every mask the program hands the kernel (sigprocmask, sigsuspend,
 * ppoll, pselect, epoll_pwait, sigtimedwait, signalfd, sa_mask). The
 * kernel reads _NSIG/8 bytes, so the copy is one word, in the caller. */
const void *__zq_mask(const void *set, unsigned long *copy)
{
	if (!__zq_ctx || !set) return set;
	memcpy(copy, set, sizeof *copy);
	*copy &= ~runtime_signals();
	return copy;
}

long __zq_sigprocmask(int how, const void *set, void *old)
{
	unsigned long m;

	if (how != SIG_UNBLOCK) set = __zq_mask(set, &m);
	return __syscall(SYS_rt_sigprocmask, how, set, old, _NSIG/8);
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct k_sigaction k = {
		.handler = (void (*)(int))fn,
		.flags = SA_SIGINFO|SA_RESTART|SA_ONSTACK|SA_RESTORER,
		.restorer = __restore_rt,
	};

	memset(k.mask, 0xff, sizeof k.mask);
	__syscall(SYS_rt_sigaction, sig, &k, 0, _NSIG/8);
}

static void install_handlers(void)
{
	set_handler(SIGPWR, __zq_on_power);
	set_handler(ZQ_SIGSTOP_THREAD, __zq_on_stop);
}

void __zq_install_handlers(void)
{
	unsigned long m = runtime_signals();

	install_handlers();
	__syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &m, 0, _NSIG/8);
}

/* At resume every thread still has all signals blocked; each gets its
 * own mask back from its frame. */
void __zq_reinstall_actions(void)
{
	int sig;

	for (sig = 1; sig < _NSIG; sig++)
		if (action_set[sig])
			__syscall(SYS_rt_sigaction, sig, &actions[sig], 0, _NSIG/8);
	install_handlers();
}

int __zq_app_handles_power(void)
{
	return app_power.sa_handler != SIG_DFL && app_power.sa_handler != SIG_IGN;
}

void __zq_call_app_power(int sig, siginfo_t *si, void *uc)
{
	if (!__zq_app_handles_power()) return;
	if (app_power.sa_flags & SA_SIGINFO) app_power.sa_sigaction(sig, si, uc);
	else app_power.sa_handler(sig);
}
