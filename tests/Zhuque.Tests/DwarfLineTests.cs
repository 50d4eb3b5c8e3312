using Xunit.Abstractions;
using Zhuque.Interpose.Dwarf;
using Zhuque.Interpose.Elf;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>The .debug_line reader against addr2line, on real programs built every way inspect meets them.</summary>
public sealed class DwarfLineTests(DebugPrograms programs, ITestOutputHelper output) : IClassFixture<DebugPrograms>
{
    static LineTable? Table(string program) => LineTableReader.Read(new ElfSectionData(program, ElfReader.Read(program)));

    /// <summary>
    /// Every instruction of the program, and every byte of the functions
    /// that have lines: the same file and line as addr2line, or no line
    /// where addr2line has none. Returns how many addresses had a line.
    /// </summary>
    int AssertMatchesAddr2Line(string program)
    {
        var table = Table(program);
        Assert.NotNull(table);
        var addresses = Binutils.InstructionAddresses(program).ToHashSet();
        foreach (var sequence in table.Sequences)
            for (var a = sequence.Start; a < sequence.End; a++)
                addresses.Add(a);
        var ordered = addresses.Order().ToList();
        var expected = Binutils.Addr2Line(program, ordered);
        var withLines = 0;
        var mismatches = new List<string>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var ours = table.Lookup(ordered[i]);
            var theirs = expected[i];
            // A line 0 is "no line" to addr2line as to us.
            var oursComparable = ours is { Line: > 0 } ? (ours.File, ours.Line) : ((string, int)?)null;
            if (oursComparable != theirs)
                mismatches.Add($"0x{ordered[i]:x}: ours {ours?.File}:{ours?.Line}, addr2line {theirs}");
            if (theirs is not null)
                withLines++;
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {ordered.Count} differ:\n{string.Join('\n', mismatches.Take(20))}");
        output.WriteLine($"{Path.GetFileName(program)}: {ordered.Count} addresses agree with addr2line, {withLines} of them with a line");
        return withLines;
    }

    [Theory]
    [InlineData("g-O0")]
    [InlineData("g-O2")]
    [InlineData("gdwarf4-O0")]
    [InlineData("gdwarf4-O2")]
    [InlineData("gz-O2")]
    public void LinesMatchAddr2Line(string variant)
    {
        var withLines = AssertMatchesAddr2Line(programs.Build(variant));
        Assert.True(withLines > 100, $"only {withLines} addresses have lines");
    }

    /// <summary>Bigger programs of tests/c, several functions and included headers.</summary>
    [Theory]
    [InlineData("torture")]
    [InlineData("echo_server")]
    [InlineData("blocked")]
    public void LinesOfOtherProgramsMatchAddr2Line(string name)
    {
        var source = Path.Combine(Repo.Root, "tests", "c", name + ".c");
        AssertMatchesAddr2Line(programs.Build("g-O2", source));
        AssertMatchesAddr2Line(programs.Build("gdwarf4-O0", source));
    }

    /// <summary>Built by a relative name: the compilation directory comes from .debug_info (DWARF 4) or the line table (DWARF 5).</summary>
    [Theory]
    [InlineData("gdwarf4-O2")]
    [InlineData("g-O2")]
    public void RelativeSourceNamesAreJoinedWithTheCompilationDirectory(string variant)
    {
        var program = programs.BuildRelative(variant);
        AssertMatchesAddr2Line(program);
        var main = ElfSymbols.Read(program).Functions.Single(f => f.Name == "main");
        Assert.Equal(Path.Combine(Path.GetDirectoryName(program)!, "inspect_target.c"), Table(program)!.Lookup(main.Address)!.File);
    }

    [Fact]
    public void TheMarkedLineIsFoundInSpinHere()
    {
        var program = programs.Build("g-O0");
        var spin = ElfSymbols.Read(program).Functions.Single(f => f.Name == "spin_here");
        var line = DebugPrograms.LineOf("INSPECT_SPIN_LINE");
        var lines = Enumerable.Range(0, (int)spin.Size).Select(i => Table(program)!.Lookup(spin.Address + (ulong)i)).ToList();
        Assert.All(lines, l => Assert.EndsWith("tests/c/inspect_target.c", l!.File));
        Assert.Contains(lines, l => l!.Line == line);
        Assert.StartsWith("/", lines[0]!.File);
    }

    [Fact]
    public void AProgramWithoutDebugInfoHasNoTable() => Assert.Null(Table(programs.Build("nodebug-O2")));
}
