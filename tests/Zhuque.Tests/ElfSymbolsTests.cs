using System.Globalization;
using System.Text.Json;
using Zhuque.Interpose.Elf;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>ElfSymbols against nm, and inspect naming the function a saved thread was in.</summary>
public sealed class ElfSymbolsTests(SpinHereProgram spin) : IClassFixture<SpinHereProgram>, IDisposable
{
    readonly TempDir _tmp = new();

    /// <summary>Every defined function nm lists (T/t/W types) is found at its address, and the other way round.</summary>
    [Fact]
    public void FunctionsMatchNm()
    {
        var nm = Proc.Check("nm", "--defined-only", spin.Path)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .Where(p => p.Length == 3 && "TtWw".Contains(p[1][0]))
            .Select(p => (Address: ulong.Parse(p[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), Name: p[2]))
            .Where(s => s.Address != 0)
            .ToHashSet();
        var ours = ElfSymbols.Read(spin.Path).Functions.Select(f => (f.Address, f.Name)).ToHashSet();
        Assert.Contains(ours, f => f.Name == "spin_here");
        Assert.True(ours.IsSubsetOf(nm), $"not in nm: {string.Join(", ", ours.Except(nm).Take(5))}");
        // nm's text symbols also hold assembly labels (no type); most are functions.
        Assert.True(ours.Count >= nm.Count / 2, $"{ours.Count} functions, nm lists {nm.Count} text symbols");
    }

    [Fact]
    public void ContainingNamesTheFunctionAndOffset()
    {
        var symbols = ElfSymbols.Read(spin.Path);
        var f = symbols.Functions.Single(f => f.Name == "spin_here");
        Assert.True(f.Size > 0);
        Assert.Equal("spin_here+0x0", symbols.Describe(f.Address));
        Assert.Equal($"spin_here+0x{f.Size - 1:x}", symbols.Describe(f.Address + f.Size - 1));
        Assert.Null(symbols.Describe(0x10));
    }

    /// <summary>
    /// Assembly without .size (musl's __clone, memcpy) and crt1's untyped
    /// _start reach to the next function: a frame in them is still named.
    /// </summary>
    [Fact]
    public void FunctionsWithoutASizeReachToTheNextOne()
    {
        var symbols = ElfSymbols.Read(spin.Path);
        var starts = symbols.Functions.Select(f => f.Address).Distinct().Order().ToList();
        foreach (var name in new[] { "_start", "memcpy" }) // both in .text, with code after them
        {
            var f = symbols.Functions.First(f => f.Name == name);
            Assert.Equal(0UL, f.Size);
            var next = starts.First(a => a > f.Address);
            Assert.Equal(f.Address, symbols.Containing(next - 1)?.Address);
            Assert.NotEqual(f.Address, symbols.Containing(next)?.Address);
        }
        // A size still bounds a function: the padding after spin_here is no one's.
        var spinHere = symbols.Functions.Single(f => f.Name == "spin_here");
        var after = starts.First(a => a > spinHere.Address);
        if (after > spinHere.Address + spinHere.Size)
            Assert.Null(symbols.Containing(spinHere.Address + spinHere.Size));
    }

    [Fact]
    public void InspectNamesTheFunctionASavedThreadWasIn()
    {
        _ = Repo.Shim;
        var image = _tmp["img"];
        var r = ZhuqueCli.Run(_tmp["state"], "run", "--image", image, "--fail-after", "0.2", "--", spin.Path);
        Assert.True(r.ExitCode == 158, r.ToString());
        var json = ZhuqueCli.Run(_tmp["state"], "inspect", "--json", image);
        var thread = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("threads")[0];
        Assert.StartsWith("spin_here+0x", thread.GetProperty("function").GetString());
        Assert.Contains("    in spin_here+0x", ZhuqueCli.Run(_tmp["state"], "inspect", image).Stdout);
    }

    public void Dispose() => _tmp.Dispose();
}
