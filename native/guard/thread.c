#include "guard.h"
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

static int read_text(char *buf, size_t size, const char *fmt, pid_t pid, pid_t tid)
{
	char path[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, fmt, pid, tid);
	fd = open(path, O_RDONLY|O_CLOEXEC);
	if (fd < 0) return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0) return -1;
	buf[n] = 0;
	return 0;
}

int guard_hold(struct held *h, pid_t pid, pid_t tid)
{
	struct iovec iov = { h->xstate, sizeof h->xstate };
	char text[4096], *s;

	memset(h, 0, offsetof(struct held, xstate));
	h->tid = tid;
	if (ptrace(PTRACE_GETREGS, tid, 0, &h->regs)) return -1;
	if (ptrace(PTRACE_GETREGSET, tid, NT_X86_XSTATE, &iov)) return -1;
	h->xlen = iov.iov_len;
	if (read_text(text, sizeof text, "/proc/%d/task/%d/status", pid, tid)) return -1;
	s = strstr(text, "\nSigBlk:");
	if (!s) return -1;
	h->mask = strtoull(s + 8, 0, 16);
	if (!read_text(text, sizeof text, "/proc/%d/task/%d/comm", pid, tid)) {
		size_t n = strcspn(text, "\n");
		memcpy(h->comm, text, n < sizeof h->comm - 1 ? n : sizeof h->comm - 1);
	}
	return 0;
}

/* The frame the kernel pushes for a signal (arch/x86/kernel/signal_64.c):
 * the return address, the kernel's ucontext (sigcontext as musl's gregs
 * order), siginfo; the xsave area lies below it, 64-byte aligned. The
 * runtime's resume does rt_sigreturn with rsp at uc. */
struct kframe {
	uint64_t pretcode;
	uint64_t uc_flags, uc_link;
	uint64_t ss_sp;
	int32_t ss_flags, ss_pad;
	uint64_t ss_size;
	uint64_t gregs[23];
	uint64_t fpstate;
	uint64_t reserved[8];
	uint64_t sigmask;
	siginfo_t info;
};

#define UC_FP_XSTATE 1
#define UC_SIGCONTEXT_SS 2
#define UC_STRICT_RESTORE_SS 4
#define XSTATE_MAGIC1 0x46505853u
#define XSTATE_MAGIC2 0x46505845u

/* Calls that return EINTR only because a fatal signal is pending: the
 * kernel lets a kill end clone and fork half way ("Let kill terminate
 * clone/fork in the middle") and takes the mmap lock killably. No handler
 * could ever see that EINTR; the program must not either. */
static int killed_midway(long nr)
{
	switch (nr) {
	case 56: case 57: case 58: case 435:   /* clone, fork, vfork, clone3 */
	case 9: case 10: case 11: case 25: case 28: /* mmap, mprotect, munmap, mremap, madvise */
		return 1;
	}
	return 0;
}

/* A thread stopped in a system call shows the kernel's restart codes in
 * rax: finish them as signal delivery does for a handler with SA_RESTART
 * (the resume is such a handler's return). */
static void finish_syscall(struct user_regs_struct *r)
{
	if ((long)r->orig_rax < 0) return;
	if ((long)r->rax == -EINTR && killed_midway(r->orig_rax)) {
		r->rax = r->orig_rax;
		r->rip -= 2;
		return;
	}
	switch ((long)r->rax) {
	case -512: /* ERESTARTSYS */
	case -513: /* ERESTARTNOINTR */
		r->rax = r->orig_rax;
		r->rip -= 2;
		break;
	case -514: /* ERESTARTNOHAND */
	case -516: /* ERESTART_RESTARTBLOCK */
		r->rax = -EINTR;
		break;
	}
}

/* PTRACE_GETREGSET gives the xsave area with XCR0 where a signal frame
 * has the software bytes the kernel checks at rt_sigreturn (magic,
 * sizes, features): put those in, as the kernel's own frame has them. */
static size_t frame_xstate(unsigned char *fp, const struct held *h)
{
	uint64_t xcr0;
	uint32_t sw[12] = { XSTATE_MAGIC1, h->xlen + 4, 0, 0, h->xlen }, m2 = XSTATE_MAGIC2;

	memcpy(&xcr0, h->xstate + 464, 8);
	memcpy(sw + 2, &xcr0, 8);
	memcpy(fp, h->xstate, h->xlen);
	memcpy(fp + 464, sw, sizeof sw);
	memcpy(fp + h->xlen, &m2, 4);
	return h->xlen + 4;
}

/* Where the frame goes: below the red zone, the xsave area 64-byte
 * aligned, the rest 16-byte aligned less the return address, as the
 * kernel places it. */
static uint64_t frame_at(const struct held *h, uint64_t *fpaddr)
{
	*fpaddr = (h->regs.rsp - 128 - (h->xlen + 4)) & -64UL;
	return ((*fpaddr - sizeof(struct kframe)) & -16UL) - 8;
}

uint64_t guard_frame_low(const struct held *h)
{
	uint64_t fp;
	return frame_at(h, &fp);
}

int guard_push_frame(int mem, const struct held *h, int sig, uint64_t *frame)
{
	struct user_regs_struct r = h->regs;
	static unsigned char fp[sizeof h->xstate + 64];
	struct kframe k;
	uint64_t fpaddr, at;
	size_t fplen;

	if (h->xlen < 576 || h->xlen + 4 > sizeof fp) {
		errno = EPROTO;
		return -1;
	}
	finish_syscall(&r);
	fplen = frame_xstate(fp, h);
	at = frame_at(h, &fpaddr);

	memset(&k, 0, sizeof k);
	k.uc_flags = UC_FP_XSTATE|UC_SIGCONTEXT_SS|UC_STRICT_RESTORE_SS;
	k.ss_sp = h->ss_sp;
	k.ss_flags = h->ss_flags;
	k.ss_size = h->ss_size;
	uint64_t g[23] = {
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15,
		r.rdi, r.rsi, r.rbp, r.rbx, r.rdx, r.rax, r.rcx, r.rsp, r.rip, r.eflags,
		(r.cs & 0xffff) | (r.ss & 0xffff) << 48, 0, 0, h->mask, 0,
	};
	memcpy(k.gregs, g, sizeof g);
	k.fpstate = fpaddr;
	k.sigmask = h->mask;
	k.info.si_signo = sig;
	k.info.si_code = SI_KERNEL;

	if (pwrite(mem, fp, fplen, fpaddr) != (ssize_t)fplen) return -1;
	if (pwrite(mem, &k, sizeof k, at) != (ssize_t)sizeof k) return -1;
	*frame = at + 8;
	return 0;
}
