/* __zq_unmapself_tail(base, size, lock): give the stack back, release
 * the runtime lock and exit the thread, using no stack. */
.text
.global __zq_unmapself_tail
.hidden __zq_unmapself_tail
.type   __zq_unmapself_tail,@function
__zq_unmapself_tail:
	mov %rdx,%r8        /* lock word */
	mov $10,%eax        /* mprotect(base, size, PROT_READ|PROT_WRITE) */
	mov $3,%edx
	syscall
	mov $28,%eax        /* madvise(base, size, MADV_REMOVE) */
	mov $9,%edx
	syscall
	mov $10,%eax        /* mprotect(base, size, PROT_NONE) */
	xor %edx,%edx
	syscall
	xor %eax,%eax       /* unlock; wake a waiter if there was one */
	xchg %eax,(%r8)
	cmp $2,%eax
	jne 1f
	mov %r8,%rdi
	mov $129,%esi       /* FUTEX_WAKE|FUTEX_PRIVATE_FLAG */
	mov $1,%edx
	mov $202,%eax
	syscall
1:	xor %edi,%edi
	mov $60,%eax        /* exit(0) */
	syscall
/* The guard (native/guard) compares a killed thread's code with these
 * bytes: after the unlock the stack may be another thread's memory. */
.global __zq_unmapself_end
.hidden __zq_unmapself_end
__zq_unmapself_end:

.section .note.GNU-stack,"",@progbits
