using Zhuque.Interpose.Dwarf;
using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Unwind;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// The debug readers on damaged data: real sections truncated and with
/// bytes changed at random (fixed seeds, so a failure repeats). A reader may
/// give less, or refuse with DwarfFormatException where the caller expects
/// it; it never throws anything else, never hangs.
/// </summary>
public sealed class MalformedDebugInfoTests(DebugPrograms programs) : IClassFixture<DebugPrograms>
{
    const int Mutations = 300;

    byte[] Section(string name, string variant = "g-O2")
    {
        var program = programs.Build(variant);
        return new ElfSectionData(program, ElfReader.Read(program)).Read(name)!;
    }

    /// <summary>Truncations at many lengths, then copies with 1 to 8 bytes set at random.</summary>
    static IEnumerable<byte[]> Damaged(byte[] original, int seed)
    {
        var random = new Random(seed);
        for (var length = 0; length < original.Length; length += Math.Max(1, original.Length / 97))
            yield return original[..length];
        for (var i = 0; i < Mutations; i++)
        {
            var copy = (byte[])original.Clone();
            for (var n = random.Next(1, 9); n > 0; n--)
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            yield return copy;
        }
    }

    [Fact]
    public void DamagedLineTablesGiveFewerLines()
    {
        var strings = new DwarfStrings(Section(".debug_str"), Section(".debug_line_str"));
        foreach (var bytes in Damaged(Section(".debug_line"), 1))
        {
            var table = LineTableReader.Read(bytes, strings, new Dictionary<ulong, string>());
            foreach (var s in table.Sequences.Take(4))
                table.Lookup(s.Start);
        }
    }

    [Fact]
    public void DamagedStringSectionsGiveFewerLines()
    {
        var line = Section(".debug_line");
        foreach (var bytes in Damaged(Section(".debug_line_str"), 2))
            LineTableReader.Read(line, new DwarfStrings(null, bytes), new Dictionary<ulong, string>());
    }

    [Fact]
    public void DamagedDwarf4LineTablesGiveFewerLines()
    {
        foreach (var bytes in Damaged(Section(".debug_line", "gdwarf4-O2"), 3))
            LineTableReader.Read(bytes, new DwarfStrings(null, null), new Dictionary<ulong, string>());
    }

    [Fact]
    public void DamagedDebugInfoGivesFewerDirectories()
    {
        var abbrev = Section(".debug_abbrev", "gdwarf4-O2");
        var strings = new DwarfStrings(Section(".debug_str", "gdwarf4-O2"), null);
        foreach (var bytes in Damaged(Section(".debug_info", "gdwarf4-O2"), 4))
            CompilationDirectories.Read(bytes, abbrev, strings);
        foreach (var bytes in Damaged(abbrev, 5))
            CompilationDirectories.Read(Section(".debug_info", "gdwarf4-O2"), bytes, strings);
    }

    [Fact]
    public void DamagedEhFrameGivesFewerRules()
    {
        foreach (var bytes in Damaged(Section(".eh_frame", "g-O0"), 6))
        {
            foreach (var fde in EhFrameReader.Read(bytes, 0x400000).Take(64))
            {
                if (fde.PcEnd - fde.PcBegin > 1 << 20)
                    continue;
                for (var pc = fde.PcBegin; pc < fde.PcEnd; pc += 1 + ((fde.PcEnd - fde.PcBegin) / 16))
                {
                    try
                    {
                        CfiInterpreter.RowAt(fde, pc);
                    }
                    catch (DwarfFormatException)
                    {
                        // refused: the unwinder falls back for this function
                    }
                }
            }
        }
    }

    [Fact]
    public void TheCursorRefusesWhatRunsPastItsEnd()
    {
        Assert.Throws<DwarfFormatException>(() => new DwarfCursor(new byte[] { 8, 0, 0, 0, 1 }, "t").InitialLength());
        Assert.Throws<DwarfFormatException>(() => new DwarfCursor(new byte[] { 0xf0, 0xff, 0xff, 0xff }, "t").InitialLength());
        Assert.Throws<DwarfFormatException>(() => new DwarfCursor(new byte[] { (byte)'a', (byte)'b' }, "t").CString());
        Assert.Throws<DwarfFormatException>(() => new DwarfCursor(Enumerable.Repeat((byte)0x80, 11).ToArray(), "t").Uleb128());
        Assert.Throws<DwarfFormatException>(() => new DwarfCursor(new byte[] { 1, 2, 3 }, "t").U32());
        var c = new DwarfCursor(new byte[] { 0x7f, 0xe5, 0x8e, 0x26, 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff }, "t");
        Assert.Equal(-1, c.Sleb128());
        Assert.Equal(624485UL, c.Uleb128());
        Assert.Equal((4, false), c.InitialLength());
    }
}
