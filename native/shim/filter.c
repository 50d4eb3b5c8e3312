/* The seccomp filter: fork and exec refused below libc.
 *
 * musl's wrappers refuse fork, vfork and the image's own execve, but a raw
 * system call instruction would still fork a child sharing every page of
 * the image, or replace the image's process. The filter refuses, with
 * ENOSYS, fork, vfork, clone without CLONE_VM or with CLONE_UNTRACED but
 * not CLONE_PTRACE (a thread the guard does not trace would be missing
 * from a SIGKILL's save), clone3 (whose flags it cannot read; libc falls back to clone),
 * execve and execveat; and, with
 * EBADF, close, dup2 and dup3 onto the runtime's descriptors (close_range
 * over them is ENOSYS: programs fall back to a close loop). All only when
 * the call comes from the program's own text. The filter is inherited by
 * posix_spawn's child and survives its exec: the programs it runs are at
 * other addresses and are left alone, and the child itself execs through
 * the gate, a copy of gate_code mapped at ZQ_GATE_ADDR, outside the text. */
#include "shim.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/audit.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <errno.h>

#define CLONE_VM 0x100
#define CLONE_PTRACE 0x00002000
#define CLONE_UNTRACED 0x00800000
#define NR       offsetof(struct seccomp_data, nr)
#define ARCH     offsetof(struct seccomp_data, arch)
#define IP_LO    offsetof(struct seccomp_data, instruction_pointer)
#define IP_HI    (IP_LO + 4)
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))

extern const char gate_code[], gate_end[];

/* Jump targets are labels, resolved once the program is laid out. */
enum { NEXT, ALLOW, NOSYS, BADF, CLONE, ARG0, ARG1, RANGE, RANGE1, RANGE2, LABELS };

struct asm_ {
	struct sock_filter op[96];
	uint8_t jt[96], jf[96];
	int at[LABELS];
	int n;
};

static void put(struct asm_ *a, uint16_t code, uint32_t k, int jt, int jf)
{
	a->op[a->n] = (struct sock_filter){ code, 0, 0, k };
	a->jt[a->n] = jt;
	a->jf[a->n] = jf;
	a->n++;
}

#define LD(a, off)        put(a, BPF_LD|BPF_W|BPF_ABS, off, NEXT, NEXT)
#define RET(a, v)         put(a, BPF_RET|BPF_K, v, NEXT, NEXT)
#define JEQ(a, k, t, f)   put(a, BPF_JMP|BPF_JEQ|BPF_K, k, t, f)
#define JGE(a, k, t, f)   put(a, BPF_JMP|BPF_JGE|BPF_K, k, t, f)
#define JGT(a, k, t, f)   put(a, BPF_JMP|BPF_JGT|BPF_K, k, t, f)
#define JSET(a, k, t, f)  put(a, BPF_JMP|BPF_JSET|BPF_K, k, t, f)
#define AND(a, k)         put(a, BPF_ALU|BPF_AND|BPF_K, k, NEXT, NEXT)
#define LABEL(a, l)       ((a)->at[l] = (a)->n)

/* The verdict, for a call from [lo, hi) only; others are allowed. */
static void refuse_from(struct asm_ *a, uint64_t lo, uint64_t hi, int err)
{
	LD(a, IP_HI);
	JEQ(a, lo >> 32, NEXT, ALLOW);
	LD(a, IP_LO);
	JGE(a, (uint32_t)hi, ALLOW, NEXT);
	JGE(a, (uint32_t)lo, NEXT, ALLOW);
	RET(a, SECCOMP_RET_ERRNO | err);
}

static void build(struct asm_ *a, const int *fds, uint64_t lo, uint64_t hi)
{
	static const int refused[] = { SYS_fork, SYS_vfork, SYS_execve, SYS_execveat, SYS_clone3 };
	unsigned i;

	LD(a, ARCH);
	JEQ(a, AUDIT_ARCH_X86_64, NEXT, NOSYS);
	LD(a, NR);
	JGE(a, __X32_SYSCALL_BIT, NOSYS, NEXT);
	JEQ(a, SYS_clone, CLONE, NEXT);
	for (i = 0; i < sizeof refused / sizeof *refused; i++)
		JEQ(a, refused[i], NOSYS, NEXT);
	JEQ(a, SYS_close, ARG0, NEXT);
	JEQ(a, SYS_dup2, ARG1, NEXT);
	JEQ(a, SYS_dup3, ARG1, NEXT);
	JEQ(a, SYS_close_range, RANGE, NEXT);
	RET(a, SECCOMP_RET_ALLOW);

	LABEL(a, CLONE);
	LD(a, ARG_LO(0));
	AND(a, CLONE_UNTRACED|CLONE_PTRACE);
	JEQ(a, CLONE_UNTRACED, NOSYS, NEXT);
	LD(a, ARG_LO(0));
	JSET(a, CLONE_VM, ALLOW, NOSYS);

	LABEL(a, ARG0);
	LD(a, ARG_LO(0));
	for (i = 0; i < 3; i++) JEQ(a, fds[i], BADF, NEXT);
	RET(a, SECCOMP_RET_ALLOW);

	LABEL(a, ARG1);
	LD(a, ARG_LO(1));
	for (i = 0; i < 3; i++) JEQ(a, fds[i], BADF, NEXT);
	RET(a, SECCOMP_RET_ALLOW);

	/* [first, last] holds one of them: first <= fd && last >= fd. */
	LABEL(a, RANGE);
	for (i = 0; i < 3; i++) {
		if (i) LABEL(a, RANGE + i);
		LD(a, ARG_LO(0));
		JGT(a, fds[i], i < 2 ? RANGE + i + 1 : ALLOW, NEXT);
		LD(a, ARG_LO(1));
		JGE(a, fds[i], NOSYS, NEXT);
	}
	RET(a, SECCOMP_RET_ALLOW);

	LABEL(a, NOSYS);
	refuse_from(a, lo, hi, ENOSYS);
	LABEL(a, BADF);
	refuse_from(a, lo, hi, EBADF);
	LABEL(a, ALLOW);
	RET(a, SECCOMP_RET_ALLOW);
}

static void resolve(struct asm_ *a)
{
	int i;

	for (i = 0; i < a->n; i++) {
		if (BPF_CLASS(a->op[i].code) != BPF_JMP) continue;
		a->op[i].jt = a->jt[i] == NEXT ? 0 : a->at[a->jt[i]] - i - 1;
		a->op[i].jf = a->jf[i] == NEXT ? 0 : a->at[a->jf[i]] - i - 1;
	}
}

/* The executable part of the program: its text, where musl is too when
 * it is static. */
static void text_range(const struct program *p, uint64_t *lo, uint64_t *hi)
{
	int i;

	*lo = -1UL;
	*hi = 0;
	for (i = 0; i < p->eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &p->ph[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
		if (ph->p_vaddr < *lo) *lo = PAGE_DOWN(ph->p_vaddr);
		if (ph->p_vaddr + ph->p_memsz > *hi) *hi = PAGE_UP(ph->p_vaddr + ph->p_memsz);
	}
	if (*lo >= *hi || *lo >> 32 != (*hi - 1) >> 32)
		die(EXIT_NOEXEC, "the program's text is not within one 4 GiB range:", p->path, 0);
}

static void map_gate(void)
{
	void *g = map(ZQ_GATE_ADDR, PAGE, PROT_READ|PROT_WRITE,
		MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0);

	if ((long)g < 0) die(EXIT_SETUP, "cannot map the system call gate", 0, (long)g);
	memcpy(g, gate_code, gate_end - gate_code);
	long r = sys(SYS_mprotect, g, PAGE, PROT_READ|PROT_EXEC);
	if (r < 0) die(EXIT_SETUP, "cannot map the system call gate", 0, r);
}

static void add_filter(const struct zq_header *h, const struct program *p)
{
	struct asm_ a = { .n = 0 };
	struct sock_fprog prog;
	int fds[3] = { h->dir_fd, h->lock_fd, h->arena_fd };
	uint64_t lo, hi;
	long r;

	text_range(p, &lo, &hi);
	build(&a, fds, lo, hi);
	resolve(&a);
	prog.len = a.n;
	prog.filter = a.op;
	/* SPEC_ALLOW: the filter guards the image against the program's own
	 * raw calls; it is no sandbox, so it must not make the kernel force
	 * speculation mitigations (SSBD, STIBP) on the program, as it does
	 * with spec_store_bypass_disable=seccomp (the default before 5.16). */
	r = sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog);
	if (r < 0) die(EXIT_SETUP, "cannot install the seccomp filter", 0, r);
}

/* Called last before the program (or its resumed threads) runs: the
 * runtime's descriptors have their final numbers. A dynamic program has
 * two texts, its own and libc.so's (ld): a filter for each, as the
 * kernel runs every filter and takes the strictest verdict. */
void install_filter(const struct zq_header *h, const struct program *p, const struct program *ld)
{
	long r;

	map_gate();
	/* Without CAP_SYS_ADMIN a filter needs no_new_privs, which the
	 * programs the image spawns inherit: set-user-ID bits do nothing. */
	r = sys(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0);
	if (r < 0) die(EXIT_SETUP, "cannot install the seccomp filter", 0, r);
	add_filter(h, p);
	if (ld) add_filter(h, ld);
}
