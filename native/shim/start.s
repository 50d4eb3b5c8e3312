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

.section .note.GNU-stack,"",@progbits
