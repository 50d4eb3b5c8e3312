using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Zhuque.Interpose.Disassembly;
using Zhuque.Interpose.Elf;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>The code around rip against objdump: the same instruction boundaries and bytes, rip marked once.</summary>
public sealed partial class CodeWindowTests(DebugPrograms programs, ITestOutputHelper output) : IClassFixture<DebugPrograms>
{
    sealed record Listed(ulong Address, string Bytes, string Function);

    /// <summary>objdump -d, one instruction a line: address, bytes (lowercase hex, no spaces), the function it is listed under.</summary>
    static List<Listed> Objdump(string program)
    {
        var listed = new List<Listed>();
        var function = "";
        foreach (var line in Proc.Check("objdump", "-d", "--insn-width=16", program).Split('\n'))
        {
            if (FunctionLine().Match(line) is { Success: true } f)
                function = f.Groups[1].Value;
            else if (InstructionLine().Match(line) is { Success: true } i)
                listed.Add(new Listed(ulong.Parse(i.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    i.Groups[2].Value.Replace(" ", "", StringComparison.Ordinal), function));
        }
        return listed;
    }

    [Theory]
    [InlineData("g-O0")]
    [InlineData("g-O2")]
    public void WindowsMatchObjdump(string variant)
    {
        var program = programs.Build(variant);
        var elf = ElfReader.Read(program);
        var symbols = ElfSymbols.Read(program);
        var window = new CodeWindow(ProgramCode.Read(program, elf), symbols);
        var listed = Objdump(program);
        var checkedRips = 0;
        for (var n = 0; n < listed.Count; n++)
        {
            var rip = listed[n];
            // objdump lists the padding after a function under it; a thread is never there.
            if (symbols.Containing(rip.Address)?.Name != rip.Function)
                continue;
            var got = window.Around(rip.Address);
            var at = got.ToList().FindIndex(i => i.AtRip);
            Assert.Single(got, i => i.AtRip);
            Assert.Equal(rip.Address, got[at].Address);
            Assert.Equal(Math.Min(CodeWindow.After, listed.Count - n - 1), got.Count - at - 1); // fewer at the end of the code
            // Before rip: the function's instructions up to it, as objdump lists them.
            var before = listed.Take(n).Reverse().TakeWhile(l => l.Function == rip.Function).Take(CodeWindow.Before).Reverse().ToList();
            Assert.Equal(before.Select(l => (l.Address, l.Bytes)), got.Take(at).Select(i => (i.Address, Convert.ToHexStringLower(i.Bytes))));
            // From rip on, while still in the function.
            var after = listed.Skip(n).TakeWhile(l => l.Function == rip.Function).Take(CodeWindow.After + 1).ToList();
            Assert.Equal(after.Select(l => (l.Address, l.Bytes)), got.Skip(at).Take(after.Count).Select(i => (i.Address, Convert.ToHexStringLower(i.Bytes))));
            Assert.All(got, i => Assert.False(string.IsNullOrWhiteSpace(i.Text) || i.Text == "(bad)", $"0x{i.Address:x}: {i.Text}"));
            checkedRips++;
        }
        Assert.True(checkedRips > 5000, $"only {checkedRips} instructions checked");
        output.WriteLine($"{variant}: windows around {checkedRips} instructions agree with objdump");
    }

    [Fact]
    public void CallsAndRipRelativeOperandsAreNamed()
    {
        var program = programs.Build("g-O2");
        var symbols = ElfSymbols.Read(program);
        var window = new CodeWindow(ProgramCode.Read(program, ElfReader.Read(program)), symbols);
        var middle = symbols.Functions.Single(f => f.Name == "middle");
        // The window at the function's start, then the one at its last instruction: a fixed
        // offset such as +8 can fall inside an instruction and decode differently as data moves.
        var first = window.Around(middle.Address);
        var call = first.Concat(window.Around(first[^1].Address)).Select(i => i.Text);
        Assert.Contains(call, t => t.StartsWith("call", StringComparison.Ordinal) && t.Contains("spin_here", StringComparison.Ordinal));
        var spin = window.Around(symbols.Functions.Single(f => f.Name == "spin_here").Address)[0].Text;
        Assert.Matches(@"\(%rip\),%rax  # 0x[0-9a-f]+$", spin);
    }

    [Fact]
    public void OutsideTheCodeThereIsNoWindow()
    {
        var program = programs.Build("g-O2");
        var window = new CodeWindow(ProgramCode.Read(program, ElfReader.Read(program)), null);
        Assert.Empty(window.Around(0x10));
        Assert.Empty(window.Around(0x7fff_ffff_0000));
    }

    [GeneratedRegex(@"^[0-9a-f]+ <([^>]+)>:$")]
    private static partial Regex FunctionLine();

    [GeneratedRegex(@"^\s+([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*(?:\t|$)")]
    private static partial Regex InstructionLine();
}
