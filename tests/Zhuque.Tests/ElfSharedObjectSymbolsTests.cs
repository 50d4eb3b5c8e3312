using System.Globalization;
using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Frames;
using Zhuque.Interpose.Signals;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// Symbols and code of ET_DYN files (a shared library, Debian's libc.so.6, a
/// musl-gcc PIE) against nm and readelf, at a load bias: where a library's
/// functions are once the dynamic linker has placed it.
/// </summary>
public sealed class ElfSharedObjectSymbolsTests(SharedObjects shared) : IClassFixture<SharedObjects>
{
    const ulong Bias = 0x7f12_3456_0000;

    /// <summary>Defined text symbols nm lists ("TtWw"), names without their @version.</summary>
    static HashSet<(ulong Address, string Name)> Nm(params string[] args) => Proc.Check("nm", ["--defined-only", .. args])
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.Split(' '))
        .Where(p => p.Length == 3 && "TtWw".Contains(p[1][0]))
        .Select(p => (ulong.Parse(p[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), p[2].Split('@')[0]))
        .Where(s => s.Item1 != 0)
        .ToHashSet();

    [Fact]
    public void LibraryFunctionsMatchNm()
    {
        var nm = Nm(shared.Library);
        var ours = ElfSymbols.Read(shared.Library).Functions.Select(f => (f.Address, f.Name)).ToHashSet();
        Assert.True(ours.IsSubsetOf(nm), $"not in nm: {string.Join(", ", ours.Except(nm).Take(5))}");
        foreach (var name in new[] { "answer", "use", "helper" })
            Assert.Contains(ours, f => f.Name == name);
    }

    /// <summary>Debian's libc.so.6 is stripped: its functions come from .dynsym, as nm -D lists them.</summary>
    [Fact]
    public void StrippedLibcFunctionsMatchNmDynamic()
    {
        var nm = Nm("-D", SharedObjects.Libc);
        var ours = ElfSymbols.Read(SharedObjects.Libc).Functions.Select(f => (f.Address, f.Name)).ToHashSet();
        Assert.True(ours.IsSubsetOf(nm), $"not in nm -D: {string.Join(", ", ours.Except(nm).Take(5))}");
        Assert.Contains(ours, f => f.Name == "fork");
        Assert.True(ours.Count >= nm.Count / 2, $"{ours.Count} functions, nm -D lists {nm.Count} text symbols");
    }

    /// <summary>At a load bias every function moves by it, and an address is named by where the code runs.</summary>
    [Fact]
    public void ALoadBiasMovesEveryFunction()
    {
        var atZero = ElfSymbols.Read(shared.Library);
        var moved = ElfSymbols.Read(shared.Library, Bias);
        Assert.Equal(atZero.Functions.Select(f => (f.Address + Bias, f.Name, f.Size)), moved.Functions.Select(f => (f.Address, f.Name, f.Size)));
        var answer = atZero.Functions.Single(f => f.Name == "answer");
        Assert.Equal("answer+0x1", moved.Describe(Bias + answer.Address + 1));
        Assert.Null(moved.Containing(answer.Address + 1));
        var main = ElfSymbols.Read(shared.MuslPie).Functions.Single(f => f.Name == "main");
        Assert.Equal("main+0x0", ElfSymbols.Read(shared.MuslPie, Bias).Describe(Bias + main.Address));
    }

    /// <summary>A library's code at a load bias is the file's bytes where readelf puts .text.</summary>
    [Fact]
    public void CodeAtALoadBiasIsTheFilesText()
    {
        var elf = ElfReader.Read(shared.Library);
        var code = ProgramCode.Read(shared.Library, elf, Bias);
        var use = ElfSymbols.Read(shared.Library).Functions.Single(f => f.Name == "use");
        var text = ReadElf.Of(shared.Library).Sections.Single(s => s.Name == ".text");
        var file = File.ReadAllBytes(shared.Library).AsSpan((int)(use.Address - text.Addr + text.Offset), (int)use.Size);
        Assert.True(code.Contains(Bias + use.Address));
        Assert.False(code.Contains(use.Address));
        Assert.Equal(file.ToArray(), code.From(Bias + use.Address)[..(int)use.Size].ToArray());
    }

    /// <summary>
    /// A stripped dynamic program keeps only .dynsym: its exported names are
    /// read, but it has no local statics, so the signal dispositions are
    /// unknown for the same reason as for a program with no table at all.
    /// </summary>
    [Fact]
    public void AStrippedProgramHasOnlyDynamicSymbols()
    {
        var path = shared["stripped-pie"];
        Proc.Check("strip", "-o", path, shared.MuslPie);
        var table = ElfSymbolTable.Read(path);
        Assert.True(table.IsDynamicOnly);
        Assert.NotEmpty(table.Symbols);
        Assert.False(ElfSymbolTable.Read(shared.MuslPie).IsDynamicOnly);
        using var memory = new ImageMemory([], _ => null);
        Assert.Equal("the program has no symbol table (stripped)", SignalDispositionReader.Read(table, memory).Unknown);
    }

    /// <summary>
    /// A real process, its PIE and library placed by glibc's loader: with
    /// the biases its /proc/PID/maps shows, the addresses it prints of a
    /// library function and of its own main are named in the right object.
    /// </summary>
    [Fact]
    public void NamesFunctionsAcrossTheObjectsOfARunningProcess()
    {
        using var process = new LineProcess(shared.Pie, ["addresses"]);
        var printed = process.ReadLine().Split(' ').Select(a => ulong.Parse(a[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        var maps = File.ReadAllLines($"/proc/{process.Pid}/maps");
        var symbols = LoadedSymbols.Read([
            new LoadedObject(shared.Pie, BiasOf(shared.Pie, maps)),
            new LoadedObject(shared.Library, BiasOf(shared.Library, maps)),
            new LoadedObject(SharedObjects.Libc, BiasOf(SharedObjects.Libc, maps)),
        ]);
        Assert.Equal(0, process.WaitForExit());
        Assert.Equal("answer+0x0 in libzqt.so", symbols.Describe(printed[0]));
        Assert.Equal("main+0x0 in pie", symbols.Describe(printed[1]));
        Assert.Null(symbols.Describe(0x1000));
    }

    [Fact]
    public void LeavesOutWhatCannotBeReadAndRefusesABiasForAnEtExecProgram()
    {
        var symbols = LoadedSymbols.Read([new LoadedObject(shared["gone.so"], Bias), new LoadedObject(shared.Library, Bias)]);
        Assert.Equal([shared.Library], symbols.Objects.Select(o => o.Path));
        Assert.Throws<ArgumentException>(() => LoadedSymbols.Read([new LoadedObject(shared.MuslNoPie, Bias)]));
    }

    /// <summary>Where the kernel or the loader put a file: its mapping of file offset 0, less the page of the PT_LOAD there.</summary>
    static ulong BiasOf(string path, string[] maps)
    {
        var real = Proc.Check("realpath", path).Trim(); // maps names /usr/lib/... for /lib/...
        var line = maps.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .First(f => f.Length == 6 && f[5] == real && ulong.Parse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == 0);
        var start = ulong.Parse(line[0].Split('-')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var first = ElfReader.Read(path).ProgramHeaders.First(p => p.Type == ElfConstants.PtLoad && p.Offset == 0);
        return start - (first.VAddr & ~0xfffUL);
    }
}
