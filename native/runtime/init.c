#include "zq.h"
#include "atomic.h"
#include "pthread_impl.h"

hidden struct zq_header *__zq_ctx;

/* Every program linked with this runtime carries a section whose name
 * says which image layout it speaks: zhuque run refuses, with a reason, a
 * program built without Zhuque or against another layout, rather than
 * let it run unprotected or crash at start. */
#define STR2(x) #x
#define STR(x) STR2(x)
__attribute__((used, retain, section(".zhuque_abi_" STR(ZQ_ABI_VERSION))))
static const char abi_note[] = "Zhuque runtime, image ABI " STR(ZQ_ABI_VERSION);

/* Called by __init_libc before TLS exists: no errno, nothing that needs
 * the thread pointer. */
void __zq_init(size_t *auxv)
{
	struct zq_header *h;
	size_t i;

	for (i = 0; auxv[i]; i += 2) {
		if (auxv[i] != AT_ZHUQUE) continue;
		h = (void *)auxv[i+1];
		if (h->magic != ZQ_MAGIC || h->abi_version != ZQ_ABI_VERSION
		    || h->header_size != sizeof *h)
			a_crash();
		__zq_ctx = h;
	}
}

/* Called once TLS exists: from here on a failure can be captured. The
 * shim started the program with SIGPWR blocked, so one that came during
 * start-up is taken now. */
void __zq_start(void)
{
	struct zq_header *h = __zq_ctx;

	if (!h) return;
	h->tl_lock = (uint64_t)&__thread_list_lock;
	h->resume_entry = (uint64_t)__zq_resume_thread;
	__zq_tls_ready = 1;
	__zq_install_handlers();
}

/* Whether the process was started by the shim (musl's ldso asks). */
int __zq_active(void)
{
	return __zq_ctx != 0;
}
