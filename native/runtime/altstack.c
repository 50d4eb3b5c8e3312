#include "zq.h"
#include "atomic.h"
#include "pthread_impl.h"
#include "syscall.h"

/* Each thread's sigaltstack, for the guard (native/guard): a thread
 * killed by SIGKILL cannot be asked for it, and no interface shows it
 * from outside. An entry is the thread's by its thread pointer: a thread
 * that reuses a dead one's struct pthread takes its entry over. */
#define ALTSTACKS 1024
static struct zq_altstack table[ALTSTACKS];

void __zq_record_altstack(const stack_t *ss)
{
	struct zq_header *h = __zq_ctx;
	uint64_t tp = (uint64_t)__pthread_self();
	struct zq_altstack *e = 0;
	int i;

	if (!h) return;
	if (!h->altstack_addr) {
		h->altstack_cap = ALTSTACKS;
		a_barrier();
		h->altstack_addr = (uint64_t)table;
	}
	for (i = 0; i < ALTSTACKS && !e; i++)
		if (table[i].tp == tp) e = &table[i];
	for (i = 0; i < ALTSTACKS && !e; i++)
		if (!a_cas_p((void *volatile *)&table[i].tp, 0, (void *)tp)) e = &table[i];
	if (!e) return; /* full: the guard then restores none for this thread */
	/* tid last: until it names this thread, the guard ignores the entry. */
	e->tid = 0;
	a_barrier();
	e->sp = (uint64_t)ss->ss_sp;
	e->size = ss->ss_size;
	e->flags = ss->ss_flags & SS_DISABLE;
	a_barrier();
	e->tid = __pthread_self()->tid;
}
