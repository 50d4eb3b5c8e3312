using Zhuque.Interpose.Dwarf;
using Zhuque.Interpose.Unwind;

namespace Zhuque.Tests;

/// <summary>The CFI interpreter on hand-made instructions, and the unwinder on a hand-made stack.</summary>
public sealed class UnwinderTests
{
    /// <summary>gcc's CIE for x86_64: CFA = rsp+8, return address at CFA-8; code alignment 1, data alignment -8.</summary>
    static CommonInformationEntry Cie(params byte[] initial) =>
        new(1, -8, X86Registers.ReturnAddress, 0x1b, false, true,
            initial.Length > 0 ? initial : [DwCfa.DefCfa, 7, 8, DwCfa.Offset | 16, 1]);

    static FrameDescriptionEntry Fde(ulong begin, ulong end, params byte[] instructions) =>
        new(begin, end, Cie(), instructions, 0);

    /// <summary>A stack of 8-byte words at aligned addresses; any other byte cannot be read.</summary>
    sealed class FakeStack : IStackMemory
    {
        public Dictionary<ulong, ulong> Words { get; } = [];

        public bool TryRead(ulong address, Span<byte> buffer)
        {
            for (var i = 0; i < buffer.Length; i++)
            {
                var a = address + (ulong)i;
                if (!Words.TryGetValue(a & ~7UL, out var word))
                    return false;
                buffer[i] = (byte)(word >> (int)(8 * (a & 7)));
            }
            return true;
        }
    }

    static RegisterState Registers(ulong pc, ulong sp, ulong bp) =>
        RegisterState.Of(new Dictionary<int, ulong> { [X86Registers.ReturnAddress] = pc, [X86Registers.Rsp] = sp, [X86Registers.Rbp] = bp });

    // push %rbp; mov %rsp,%rbp; ...; leave; ret, as gcc -O0 describes it.
    static readonly byte[] FramePointerFunction =
    [
        DwCfa.AdvanceLoc | 1, DwCfa.DefCfaOffset, 16, DwCfa.Offset | 6, 2,
        DwCfa.AdvanceLoc | 3, DwCfa.DefCfaRegister, 6,
        DwCfa.AdvanceLoc | 20, DwCfa.RememberState, DwCfa.DefCfa, 7, 8,
        DwCfa.AdvanceLoc | 1, DwCfa.RestoreState,
        DwCfa.AdvanceLoc | 2, DwCfa.Restore | 6, DwCfa.SameValue, 3, DwCfa.Register, 12, 13,
    ];

    [Fact]
    public void RowsFollowTheInstructions()
    {
        var fde = Fde(0x2000, 0x2100, FramePointerFunction);
        Assert.Equal(new CfaRule(7, 8, false), CfiInterpreter.RowAt(fde, 0x2000).Cfa);
        Assert.Equal(RuleKind.Unspecified, CfiInterpreter.RowAt(fde, 0x2000).Rules[6].Kind);
        Assert.Equal(new RegisterRule(RuleKind.Offset, -8), CfiInterpreter.RowAt(fde, 0x2000).Rules[16]);
        var pushed = CfiInterpreter.RowAt(fde, 0x2001);
        Assert.Equal(new CfaRule(7, 16, false), pushed.Cfa);
        Assert.Equal(new RegisterRule(RuleKind.Offset, -16), pushed.Rules[6]);
        Assert.Equal(new CfaRule(6, 16, false), CfiInterpreter.RowAt(fde, 0x2004).Cfa);
        Assert.Equal(new CfaRule(6, 16, false), CfiInterpreter.RowAt(fde, 0x2017).Cfa);
        Assert.Equal(new CfaRule(7, 8, false), CfiInterpreter.RowAt(fde, 0x2018).Cfa); // after the early return's leave
        var restored = CfiInterpreter.RowAt(fde, 0x2019);
        Assert.Equal(new CfaRule(6, 16, false), restored.Cfa); // restore_state brings the CFA back too
        Assert.Equal(new RegisterRule(RuleKind.Offset, -16), restored.Rules[6]);
        var last = CfiInterpreter.RowAt(fde, 0x20ff);
        Assert.Equal(RuleKind.Unspecified, last.Rules[6].Kind); // DW_CFA_restore: back to the CIE's rule
        Assert.Equal(RuleKind.SameValue, last.Rules[3].Kind);
        Assert.Equal(new RegisterRule(RuleKind.Register, 13), last.Rules[12]);
    }

    [Fact]
    public void OtherInstructionsAreRead()
    {
        byte[] code =
        [
            DwCfa.AdvanceLoc1, 0x10, DwCfa.DefCfaSf, 7, 0x7e, // CFA = rsp + (-2 * -8) = rsp+16
            DwCfa.AdvanceLoc2, 0x10, 0x00, DwCfa.OffsetExtendedSf, 3, 0x7d, // rbx at CFA + (-3 * -8) = +24
            DwCfa.AdvanceLoc4, 0x10, 0, 0, 0, DwCfa.ValOffset, 14, 2, // r14 = CFA - 16
            DwCfa.GnuArgsSize, 8, DwCfa.Undefined, 15, DwCfa.Expression, 13, 2, 0x77, 0x00,
            DwCfa.AdvanceLoc | 1, DwCfa.DefCfaExpression, 2, 0x77, 0x08, DwCfa.Nop,
        ];
        var fde = Fde(0x1000, 0x1100, code);
        Assert.Equal(new CfaRule(7, 16, false), CfiInterpreter.RowAt(fde, 0x1010).Cfa);
        Assert.Equal(new RegisterRule(RuleKind.Offset, 24), CfiInterpreter.RowAt(fde, 0x1020).Rules[3]);
        var row = CfiInterpreter.RowAt(fde, 0x1030);
        Assert.Equal(new RegisterRule(RuleKind.ValOffset, -16), row.Rules[14]);
        Assert.Equal(RuleKind.Undefined, row.Rules[15].Kind);
        Assert.Equal(RuleKind.Expression, row.Rules[13].Kind);
        Assert.False(row.Cfa.IsExpression);
        Assert.True(CfiInterpreter.RowAt(fde, 0x1031).Cfa.IsExpression);
    }

    [Theory]
    [InlineData(new byte[] { DwCfa.RestoreState })]                 // nothing remembered
    [InlineData(new byte[] { 0x3f })]                                // no such instruction
    [InlineData(new byte[] { DwCfa.DefCfa, 7 })]                     // truncated
    [InlineData(new byte[] { DwCfa.DefCfaExpression, 9, 1 })]        // block past the end
    [InlineData(new byte[] { DwCfa.OffsetExtended, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 })] // endless LEB128
    public void MalformedInstructionsAreRefused(byte[] code) =>
        Assert.Throws<DwarfFormatException>(() => CfiInterpreter.RowAt(Fde(0x1000, 0x1100, code), 0x10ff));

    [Fact]
    public void RememberStateIsBounded()
    {
        var code = Enumerable.Repeat(DwCfa.RememberState, 100).ToArray();
        Assert.Throws<DwarfFormatException>(() => CfiInterpreter.RowAt(Fde(0x1000, 0x1100, code), 0x1000));
    }

    /// <summary>A leaf in A called from B (frame pointer) called from C, whose return address is undefined: the outermost.</summary>
    [Fact]
    public void WalksByCfiToTheOutermostFrame()
    {
        var fdes = new FdeTable(
        [
            Fde(0x1000, 0x1100),
            Fde(0x2000, 0x2100, FramePointerFunction),
            Fde(0x3000, 0x3100, DwCfa.Undefined, 16),
        ]);
        var stack = new FakeStack();
        stack.Words[0x8000] = 0x2010; // A's return into B
        stack.Words[0x8010] = 0x9000; // B's saved rbp
        stack.Words[0x8018] = 0x3050; // B's return into C
        var frames = new StackUnwinder(stack, fdes, null, null, null).Unwind(Registers(0x1010, 0x8000, 0x8010));
        Assert.Equal([0x1010UL, 0x2010, 0x3050], frames.Select(f => f.Pc));
        Assert.Equal([UnwindMethod.Signal, UnwindMethod.Cfi, UnwindMethod.Cfi], frames.Select(f => f.Method));
        Assert.Equal([0x1010UL, 0x200f, 0x304f], frames.Select(f => f.LookupPc));
    }

    [Fact]
    public void StopsWhereTheStackIsNotSaved()
    {
        var fdes = new FdeTable([Fde(0x1000, 0x1100)]);
        var frames = new StackUnwinder(new FakeStack(), fdes, null, null, null).Unwind(Registers(0x1010, 0x8000, 0));
        Assert.Equal([0x1010UL], frames.Select(f => f.Pc));
    }

    [Fact]
    public void StopsWhenRspDoesNotGrow()
    {
        // CFA = rsp+0: the caller's rsp would be the callee's.
        var fdes = new FdeTable([Fde(0x1000, 0x1100, DwCfa.DefCfaOffset, 0, DwCfa.Offset | 16, 0)]);
        var stack = new FakeStack();
        stack.Words[0x8000] = 0x1020;
        var frames = new StackUnwinder(stack, fdes, null, null, null).Unwind(Registers(0x1010, 0x8000, 0));
        Assert.Single(frames);
    }

    [Fact]
    public void StopsAfterMaxFrames()
    {
        var fdes = new FdeTable([Fde(0x1000, 0x1100)]);
        var stack = new FakeStack();
        for (ulong a = 0x8000; a < 0x9000; a += 8)
            stack.Words[a] = 0x1020; // endless recursion
        var frames = new StackUnwinder(stack, fdes, null, null, null).Unwind(Registers(0x1010, 0x8000, 0));
        Assert.Equal(StackUnwinder.MaxFrames, frames.Count);
        Assert.Equal(Enumerable.Range(0, StackUnwinder.MaxFrames), frames.Select(f => f.Index));
    }

    [Fact]
    public void WithoutRulesOrCodeOnlyThePcIsKnown()
    {
        var stack = new FakeStack();
        stack.Words[0x8000] = 0x2010;
        var frames = new StackUnwinder(stack, null, null, null, null).Unwind(Registers(0x1010, 0x8000, 0));
        Assert.Equal([0x1010UL], frames.Select(f => f.Pc));
    }
}
