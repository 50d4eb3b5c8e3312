using Xunit.Abstractions;
using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Unwind;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>The .eh_frame reader and the CFI interpreter against readelf's interpretation, at every byte of every FDE.</summary>
public sealed class CfiTests(DebugPrograms programs, ITestOutputHelper output) : IClassFixture<DebugPrograms>
{
    static FdeTable Fdes(string program)
    {
        var elf = ElfReader.Read(program);
        var sections = new ElfSectionData(program, elf);
        var section = sections.Find(".eh_frame")!;
        return new FdeTable(EhFrameReader.Read(sections.Read(section), section.Addr));
    }

    /// <summary>Our rule in readelf's notation.</summary>
    static string Notation(RegisterRule rule) => rule.Kind switch
    {
        RuleKind.Unspecified or RuleKind.Undefined => "u",
        RuleKind.SameValue => "s",
        RuleKind.Offset => $"c{rule.Value:+0;-0}",
        RuleKind.ValOffset => $"v{rule.Value:+0;-0}",
        RuleKind.Register => $"r{rule.Value}",
        _ => "exp",
    };

    static string Notation(CfaRule cfa) =>
        cfa.IsExpression ? "exp" : $"{new[] { "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp" }.ElementAtOrDefault(cfa.Register) ?? $"r{cfa.Register}"}{cfa.Offset:+0;-0}";

    /// <summary>Every byte of every FDE, or (for big system binaries) each row's first byte and the byte before the next.</summary>
    void AssertMatchesReadelf(string program, bool everyByte = true)
    {
        var expected = ReadelfFrames.Read(program);
        var table = Fdes(program);
        Assert.Equal(expected.Count(f => f.End > f.Begin), table.Count);
        var checkedBytes = 0;
        foreach (var fde in expected.Where(f => f.End > f.Begin))
        {
            var ours = table.Find(fde.Begin);
            Assert.NotNull(ours);
            Assert.Equal((fde.Begin, fde.End), (ours.PcBegin, ours.PcEnd));
            Assert.NotEmpty(fde.Rows);
            var pcs = everyByte
                ? Enumerable.Range(0, (int)(fde.End - fde.Begin)).Select(i => fde.Begin + (ulong)i)
                : fde.Rows.SelectMany(r => new[] { r.Location, r.Location - 1 }).Append(fde.End - 1).Where(p => p >= fde.Begin && p < fde.End).Distinct();
            foreach (var pc in pcs)
            {
                // readelf's rows start at LOC; the CIE's own row (LOC 0) stands for the FDE's start.
                var row = fde.Rows.LastOrDefault(r => r.Location <= pc) ?? fde.Rows[0];
                var got = CfiInterpreter.RowAt(ours, pc);
                Assert.True(row.Cfa == Notation(got.Cfa), $"0x{pc:x}: CFA {Notation(got.Cfa)}, readelf {row.Cfa}");
                foreach (var (register, rule) in row.Rules)
                    Assert.True(rule.Replace("vexp", "exp", StringComparison.Ordinal) == Notation(got.Rules[register]), $"0x{pc:x}: r{register} {Notation(got.Rules[register])}, readelf {rule}");
                checkedBytes++;
            }
        }
        output.WriteLine($"{Path.GetFileName(program)}: {table.Count} FDEs, rows at {checkedBytes} addresses agree with readelf");
    }

    [Theory]
    [InlineData("g-O0")]
    [InlineData("g-O2")]
    public void RowsMatchReadelf(string variant) => AssertMatchesReadelf(programs.Build(variant));

    /// <summary>Bigger functions: pushes of every callee-saved register, remember/restore_state around early returns.</summary>
    [Theory]
    [InlineData("torture")]
    [InlineData("echo_server")]
    [InlineData("blocked")]
    public void RowsOfOtherProgramsMatchReadelf(string name)
    {
        var source = Path.Combine(Repo.Root, "tests", "c", name + ".c");
        AssertMatchesReadelf(programs.Build("g-O2", source));
        AssertMatchesReadelf(programs.Build("g-O0", source));
    }

    /// <summary>
    /// Debian's own binaries: thousands of FDEs by gcc and hand-written
    /// assembly, PLT entries with CFA expressions, pc-relative pointers in a
    /// position-independent file.
    /// </summary>
    [Theory]
    [InlineData("/usr/bin/ls")]
    [InlineData("/usr/bin/bash")]
    [InlineData("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")]
    [InlineData("/usr/lib/x86_64-linux-gnu/libc.so.6")]
    public void RowsOfSystemBinariesMatchReadelf(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing (Debian 12 and .NET's own dependencies have it)");
        AssertMatchesReadelf(path, everyByte: false);
    }
}
