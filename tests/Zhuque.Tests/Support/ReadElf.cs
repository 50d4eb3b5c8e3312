using System.Globalization;
using System.Text.RegularExpressions;

namespace Zhuque.Tests.Support;

/// <summary>What `readelf -hlSW` says about a file, parsed: the reference the ELF reader is checked against.</summary>
public sealed partial record ReadElf(
    bool IsElf,
    ushort Type,
    ushort Machine,
    ulong Entry,
    IReadOnlyList<ReadElf.Segment> Segments,
    IReadOnlyList<ReadElf.Section> Sections)
{
    public sealed record Segment(uint Type, ulong Offset, ulong VAddr, ulong PAddr, ulong FileSize, ulong MemSize, uint Flags, ulong Align);

    public sealed record Section(int Index, string Name, ulong Addr, ulong Offset, ulong Size);

    static readonly Dictionary<string, ushort> Types = new() { ["REL"] = 1, ["EXEC"] = 2, ["DYN"] = 3, ["CORE"] = 4 };

    static readonly Dictionary<string, ushort> Machines = new()
    {
        ["Advanced Micro Devices X86-64"] = 62,
        ["Intel 80386"] = 3,
        ["AArch64"] = 183,
    };

    static readonly Dictionary<string, uint> SegmentTypes = new()
    {
        ["NULL"] = 0,
        ["LOAD"] = 1,
        ["DYNAMIC"] = 2,
        ["INTERP"] = 3,
        ["NOTE"] = 4,
        ["SHLIB"] = 5,
        ["PHDR"] = 6,
        ["TLS"] = 7,
        ["GNU_EH_FRAME"] = 0x6474e550,
        ["GNU_STACK"] = 0x6474e551,
        ["GNU_RELRO"] = 0x6474e552,
        ["GNU_PROPERTY"] = 0x6474e553,
    };

    public static ReadElf Of(string path)
    {
        var r = Proc.Run("readelf", ["-hlSW", path], new Dictionary<string, string> { ["LC_ALL"] = "C" });
        if (r.ExitCode != 0 || r.Stdout.Length == 0)
        {
            Assert.Contains("Not an ELF file", r.Stderr);
            return new ReadElf(false, 0, 0, 0, [], []);
        }
        var text = r.Stdout;
        return new ReadElf(
            true,
            Types[Field(text, "Type").Split(' ')[0]],
            Machines.TryGetValue(Field(text, "Machine"), out var m) ? m
                : throw new InvalidOperationException($"unknown machine '{Field(text, "Machine")}': add it to ReadElf.Machines"),
            Hex(Field(text, "Entry point address")),
            [.. SegmentRegex().Matches(text).Select(ParseSegment)],
            [.. SectionRegex().Matches(text).Select(ParseSection)]);
    }

    static string Field(string text, string name) =>
        Regex.Match(text, $@"^\s*{Regex.Escape(name)}:\s+(.*?)\s*$", RegexOptions.Multiline).Groups[1].Value;

    static Segment ParseSegment(Match m)
    {
        var name = m.Groups["type"].Value;
        if (!SegmentTypes.TryGetValue(name, out var type))
            throw new InvalidOperationException($"unknown segment type '{name}': add it to ReadElf.SegmentTypes");
        var flags = m.Groups["flags"].Value;
        var f = (flags.Contains('R') ? 4u : 0) | (flags.Contains('W') ? 2u : 0) | (flags.Contains('E') ? 1u : 0);
        return new Segment(type, Hex(m.Groups["off"].Value), Hex(m.Groups["vaddr"].Value), Hex(m.Groups["paddr"].Value),
            Hex(m.Groups["filesz"].Value), Hex(m.Groups["memsz"].Value), f, Hex(m.Groups["align"].Value));
    }

    static Section ParseSection(Match m) => new(
        int.Parse(m.Groups["nr"].Value, CultureInfo.InvariantCulture),
        m.Groups["name"].Value,
        Hex(m.Groups["addr"].Value),
        Hex(m.Groups["off"].Value),
        Hex(m.Groups["size"].Value));

    static ulong Hex(string s) => ulong.Parse(s.StartsWith("0x") ? s[2..] : s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    // "  LOAD  0x000000 0x0000000000400000 0x0000000000400000 0x000518 0x000518 R E 0x1000"
    [GeneratedRegex(@"^\s+(?<type>[A-Z_]+)\s+(?<off>0x[0-9a-f]+)\s+(?<vaddr>0x[0-9a-f]+)\s+(?<paddr>0x[0-9a-f]+)\s+(?<filesz>0x[0-9a-f]+)\s+(?<memsz>0x[0-9a-f]+)\s+(?<flags>[RWE ]+?)\s+(?<align>0x[0-9a-f]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex SegmentRegex();

    // "  [ 1] .interp  PROGBITS  0000000000000318 000318 00001c 00   A  0   0  1" (the name of [0] is empty)
    [GeneratedRegex(@"^\s+\[\s*(?<nr>\d+)\]\s+(?:(?<name>\S+)\s+)?(?<type>\S+)\s+(?<addr>[0-9a-f]{16})\s+(?<off>[0-9a-f]+)\s+(?<size>[0-9a-f]+)\s+[0-9a-f]+\s+[A-Za-z]*\s+\d+\s+\d+\s+\d+\s*$", RegexOptions.Multiline)]
    private static partial Regex SectionRegex();
}
