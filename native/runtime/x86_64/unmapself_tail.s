/* __zq_unmapself_tail(base, size, lock, fd, offset): give the stack back,
 * release the runtime lock and exit the thread, using no stack. With the
 * arena's fd, a hole punched at offset; else (fd < 0) through the
 * mapping. */
.text
.global __zq_unmapself_tail
.hidden __zq_unmapself_tail
.type   __zq_unmapself_tail,@function
__zq_unmapself_tail:
	mov %rdi,%r12       /* base */
	mov %rsi,%r13       /* size */
	mov %rdx,%r14       /* lock word */
	test %rcx,%rcx
	js 2f
	mov %rcx,%rdi       /* fallocate(fd, PUNCH_HOLE|KEEP_SIZE, offset, size) */
	mov $3,%esi
	mov %r8,%rdx
	mov %r13,%r10
	mov $285,%eax
	syscall
	jmp 3f
2:	mov $10,%eax        /* mprotect(base, size, PROT_READ|PROT_WRITE) */
	mov $3,%edx
	syscall
	mov %r12,%rdi       /* madvise(base, size, MADV_REMOVE) */
	mov %r13,%rsi
	mov $28,%eax
	mov $9,%edx
	syscall
3:	mov %r12,%rdi       /* mprotect(base, size, PROT_NONE) */
	mov %r13,%rsi
	mov $10,%eax
	xor %edx,%edx
	syscall
	xor %eax,%eax       /* unlock; wake a waiter if there was one */
	xchg %eax,(%r14)
	cmp $2,%eax
	jne 1f
	mov %r14,%rdi
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
