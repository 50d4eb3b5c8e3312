using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Unwind;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>The prologue reader on hand-written functions, in a program zhuque-cc links.</summary>
public sealed class PrologueReaderTests : IDisposable
{
    // framed: what gcc -O2 writes for musl's pthread_kill; shrinkwrapped: a
    // test and a branch before the push, as gcc does when a path needs no frame.
    const string Assembly = """
        	.text
        	.globl	main
        	.type	main, @function
        main:
        	xor	%eax, %eax
        	ret
        	.size	main, .-main
        	.globl	framed
        	.type	framed, @function
        framed:
        	push	%r13
        	mov	%rdi, %r13
        	push	%r12
        	push	%rbp
        	push	%rbx
        	sub	$0x98, %rsp
        	lea	0x10(%rsp), %rbp
        	call	main
        	add	$0x98, %rsp
        	pop	%rbx
        	pop	%rbp
        	pop	%r12
        	pop	%r13
        	ret
        	.size	framed, .-framed
        	.globl	shrinkwrapped
        	.type	shrinkwrapped, @function
        shrinkwrapped:
        	test	%rdi, %rdi
        	je	1f
        	push	%rbx
        	call	main
        	pop	%rbx
        1:	ret
        	.size	shrinkwrapped, .-shrinkwrapped

        """;

    readonly TempDir _dir = new();
    readonly ElfSymbols _symbols;
    readonly PrologueReader _reader;

    public PrologueReaderTests()
    {
        File.WriteAllText(_dir["prologues.s"], Assembly);
        Proc.Check(Path.Combine(Repo.Root, "build", "bin", "zhuque-cc"), "-o", _dir["prologues"], _dir["prologues.s"]);
        _symbols = ElfSymbols.Read(_dir["prologues"]);
        _reader = new PrologueReader(ProgramCode.Read(_dir["prologues"], ElfReader.Read(_dir["prologues"])));
    }

    ulong Start(string name) => _symbols.Functions.Single(f => f.Name == name).Address;

    [Fact]
    public void PushesAndTheFrameAreFollowedUpToThePc()
    {
        var framed = Start("framed");
        var atCall = _reader.Read(framed, framed + 2 + 3 + 2 + 1 + 1 + 7 + 5); // the length of each instruction before the call
        Assert.True(atCall.Complete);
        Assert.Equal(0x98UL + (4 * 8), atCall.FrameBytes);
        Assert.Equal(
            [new(X86Registers.R13, 8), new(X86Registers.R12, 16), new(X86Registers.Rbp, 24), new SavedRegister(X86Registers.Rbx, 32)],
            atCall.Saved);
        // Interrupted after the first push only: that is all that was done.
        var early = _reader.Read(framed, framed + 2);
        Assert.Equal(8UL, early.FrameBytes);
        Assert.Equal([new SavedRegister(X86Registers.R13, 8)], early.Saved);
        Assert.Equal(0UL, _reader.Read(framed, framed).FrameBytes);
    }

    [Fact]
    public void ABranchBeforeThePushesEndsTheReading()
    {
        var start = Start("shrinkwrapped");
        var p = _reader.Read(start, start + 8);
        Assert.False(p.Complete);
        Assert.Empty(p.Saved);
    }

    public void Dispose() => _dir.Dispose();
}
