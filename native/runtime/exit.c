#include "zq.h"

/* The launcher releases the memory once the process is gone; the
 * runtime only says that this was a normal exit, and with what status. */
void __zq_exit(int ec)
{
	if (!__zq_ctx) return;
	__zq_ctx->exit_status = ec;
	__zq_ctx->state = ZQ_STATE_EXITED;
}
