/* Entry of the shim, and the jump into the program. */
.text
.global _start
.type   _start,@function
_start:
	xor %ebp,%ebp
	mov %rsp,%rdi
	and $-16,%rsp
	call shim_main
	hlt

/* enter(entry, sp): start the program as the kernel would, with its
 * stack pointer at argc and no registers carrying shim values. */
.global enter
.type   enter,@function
enter:
	mov %rsi,%rsp
	mov %rdi,%rax
	xor %edx,%edx   /* no rtld fini function */
	xor %ebx,%ebx
	xor %ecx,%ecx
	xor %esi,%esi
	xor %edi,%edi
	xor %ebp,%ebp
	xor %r8d,%r8d
	xor %r9d,%r9d
	xor %r10d,%r10d
	xor %r11d,%r11d
	xor %r12d,%r12d
	xor %r13d,%r13d
	xor %r14d,%r14d
	xor %r15d,%r15d
	jmp *%rax

.text
/* spawn_thread3(args, size, fn, arg): clone3 a thread that calls
 * fn(arg) on the stack the clone_args give it. */
.global spawn_thread3
.type   spawn_thread3,@function
spawn_thread3:
	push %r12
	push %r13
	mov %rdx,%r12       /* fn */
	mov %rcx,%r13       /* arg */
	mov $435,%eax       /* SYS_clone3 */
	syscall
	test %rax,%rax
	jnz 1f
	xor %ebp,%ebp
	mov %r13,%rdi
	call *%r12
	hlt
1:	pop %r13
	pop %r12
	ret

/* enter_resume(fn, arg, stack): call fn(arg) on another stack. */
.global enter_resume
.type   enter_resume,@function
enter_resume:
	mov %rdx,%rsp
	xor %ebp,%ebp
	mov %rdi,%rax
	mov %rsi,%rdi
	call *%rax
	hlt

/* gate(n, a, b, c, d, e): a system call, copied to ZQ_GATE_ADDR where
 * the runtime calls it (filter.c). */
.global gate_code, gate_end
gate_code:
	mov %rdi,%rax
	mov %rsi,%rdi
	mov %rdx,%rsi
	mov %rcx,%rdx
	mov %r8,%r10
	mov %r9,%r8
	syscall
	ret
gate_end:

.section .note.GNU-stack,"",@progbits
