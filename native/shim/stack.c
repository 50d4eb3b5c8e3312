#include "shim.h"

#define MAX_AUX 64

struct builder {
	uint64_t top;   /* strings are pushed down from here */
};

static uint64_t push(struct builder *b, const void *s, uint64_t len)
{
	b->top -= len;
	memcpy((void *)b->top, s, len);
	return b->top;
}

static uint64_t push_str(struct builder *b, const char *s)
{
	return push(b, s, strlen(s) + 1);
}

static uint64_t aux_get(const uint64_t *aux, uint64_t type)
{
	for (; aux[0]; aux += 2) if (aux[0] == type) return aux[1];
	return 0;
}

/* The auxiliary vector the program sees: the kernel's, with the entries
 * that describe the program rather than the shim replaced, and AT_ZHUQUE
 * naming the context. */
static int make_aux(uint64_t *out, const uint64_t *kaux, struct zq_header *h,
	uint64_t base, uint64_t random, uint64_t platform, uint64_t execfn)
{
	int n = 0;

	for (; kaux[0] && n < MAX_AUX - 12; kaux += 2) {
		switch (kaux[0]) {
		case AT_PHDR: case AT_PHENT: case AT_PHNUM: case AT_BASE:
		case AT_ENTRY: case AT_RANDOM: case AT_EXECFN: case AT_PLATFORM:
			continue;
		}
		out[n++] = kaux[0];
		out[n++] = kaux[1];
	}
	out[n++] = AT_PHDR;     out[n++] = h->phdr;
	out[n++] = AT_PHENT;    out[n++] = sizeof(Elf64_Phdr);
	out[n++] = AT_PHNUM;    out[n++] = h->phnum;
	out[n++] = AT_BASE;     out[n++] = base;
	out[n++] = AT_ENTRY;    out[n++] = h->entry;
	out[n++] = AT_RANDOM;   out[n++] = random;
	out[n++] = AT_PLATFORM; out[n++] = platform;
	out[n++] = AT_EXECFN;   out[n++] = execfn;
	out[n++] = AT_ZHUQUE;   out[n++] = (uint64_t)h;
	out[n++] = AT_NULL;     out[n++] = 0;
	return n;
}

/* Lay out argc, argv, envp and auxv on the persistent stack as the kernel
 * lays them out on its own, and return the stack pointer for the entry. */
uint64_t build_stack(struct zq_header *h, struct program *p, uint64_t base, char **argv,
	char **envp, uint64_t *kaux)
{
	struct builder b = { h->stack_top };
	uint64_t aux[MAX_AUX], *sp, execfn, platform, random;
	uint64_t argc, envc, i, words;
	int naux;

	for (argc = 0; argv[argc]; argc++);
	for (envc = 0; envp[envc]; envc++);
	uint64_t ptrs[argc + envc + 1];

	execfn = push_str(&b, p->path);
	platform = push_str(&b, "x86_64");
	random = push(&b, (void *)aux_get(kaux, AT_RANDOM), 16);
	for (i = argc; i-- > 0;) ptrs[i] = push_str(&b, argv[i]);
	for (i = envc; i-- > 0;) ptrs[argc + i] = push_str(&b, envp[i]);
	b.top &= -16UL;

	naux = make_aux(aux, kaux, h, base, random, platform, execfn);
	words = 1 + argc + 1 + envc + 1 + naux;
	if (words & 1) b.top -= 8;
	sp = (uint64_t *)(b.top - words * 8);
	if ((uint64_t)sp < h->stack_low + PAGE)
		die(EXIT_SETUP, "arguments and environment do not fit the stack", 0, 0);
	sp[0] = argc;
	for (i = 0; i < argc; i++) sp[1 + i] = ptrs[i];
	sp[1 + argc] = 0;
	for (i = 0; i < envc; i++) sp[2 + argc + i] = ptrs[argc + i];
	sp[2 + argc + envc] = 0;
	memcpy(sp + 3 + argc + envc, aux, naux * 8);
	return (uint64_t)sp;
}
