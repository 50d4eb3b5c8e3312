using Zhuque.Interpose.Elf;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>ElfReader against readelf -hlSW on real files of every kind the launcher meets.</summary>
public sealed class ElfReaderTests(Programs programs, SharedObjects shared) : IClassFixture<Programs>, IClassFixture<SharedObjects>
{
    const string MuslInterpreter = "/lib/ld-musl-x86_64.so.1";

    public static TheoryData<string> SystemFiles => ["/bin/ls", "/usr/bin/gcc", "/etc/passwd", "/bin/sh"];

    [Theory]
    [MemberData(nameof(SystemFiles))]
    public void MatchesReadelfOnSystemFiles(string path) => Compare(path);

    [Fact]
    public void MatchesReadelfOnAStaticExecutable()
    {
        Compare(programs.Static);
        var elf = ElfReader.Read(programs.Static);
        Assert.Equal(ElfConstants.EtExec, elf.Type);
        Assert.Null(elf.Interpreter);
    }

    [Fact]
    public void MatchesReadelfOnARelocatableObject() => Compare(programs.Object);

    [Fact]
    public void FindsTheInterpreterOfADynamicProgram()
    {
        var elf = ElfReader.Read("/bin/ls");
        Assert.True(elf.IsDynamicallyLinked);
        Assert.Equal("/lib64/ld-linux-x86-64.so.2", elf.Interpreter);
    }

    [Fact]
    public void MatchesReadelfOnASharedLibrary()
    {
        Compare(shared.Library);
        var elf = ElfReader.Read(shared.Library);
        Assert.Equal(ElfConstants.EtDyn, elf.Type);
        Assert.True(elf.IsPositionIndependent);
        Assert.Null(elf.Interpreter);
        Assert.Contains(elf.Symbols, s => s.Name == "answer");
    }

    [Fact]
    public void MatchesReadelfOnDebiansLibc()
    {
        Compare(SharedObjects.Libc);
        Assert.True(ElfReader.Read(SharedObjects.Libc).IsPositionIndependent);
    }

    [Fact]
    public void MatchesReadelfOnAPie()
    {
        Compare(shared.Pie);
        var elf = ElfReader.Read(shared.Pie);
        Assert.True(elf.IsPositionIndependent);
        Assert.Equal("/lib64/ld-linux-x86-64.so.2", elf.Interpreter);
    }

    /// <summary>What plain musl-gcc builds: dynamically linked against musl's loader, PIE or not.</summary>
    [Fact]
    public void MatchesReadelfOnMuslGccPrograms()
    {
        Compare(shared.MuslPie);
        Compare(shared.MuslNoPie);
        var pie = ElfReader.Read(shared.MuslPie);
        Assert.Equal((ElfConstants.EtDyn, MuslInterpreter), (pie.Type, pie.Interpreter));
        var noPie = ElfReader.Read(shared.MuslNoPie);
        Assert.Equal((ElfConstants.EtExec, MuslInterpreter), (noPie.Type, noPie.Interpreter));
        Assert.False(noPie.IsPositionIndependent);
    }

    /// <summary>
    /// Without section headers (e_shoff, e_shnum and e_shstrndx 0, as sstrip
    /// leaves a file) the segments are still read and there is no section:
    /// ELFSharp alone takes the file header's bytes for section 0.
    /// </summary>
    [Fact]
    public void ReadsAFileWithoutSectionHeaders()
    {
        var path = shared["no-sections"];
        var bytes = File.ReadAllBytes(shared.MuslPie);
        bytes.AsSpan(40, 8).Clear();  // e_shoff
        bytes.AsSpan(60, 4).Clear();  // e_shnum, e_shstrndx
        File.WriteAllBytes(path, bytes);
        var expected = ReadElf.Of(path);
        Assert.Empty(expected.Sections);
        var elf = ElfReader.Read(path);
        Assert.Equal(expected.Segments, Segments(elf));
        Assert.Empty(elf.Sections);
        Assert.Empty(elf.Symbols);
        Assert.Equal(MuslInterpreter, elf.Interpreter);
    }

    /// <summary>
    /// What ELFSharp throws on a damaged file is an ElfFormatException: here
    /// e_shstrndx names a section that is no string table, or e_shoff is past
    /// 2^63 (ELFSharp seeks before the start of the file).
    /// </summary>
    [Theory]
    [InlineData("shstrndx")]
    [InlineData("shoff")]
    public void RefusesADamagedElfFileWithOneLine(string field)
    {
        var path = shared["bad-" + field];
        var bytes = File.ReadAllBytes(shared.Library);
        if (field == "shstrndx")
        {
            var text = ReadElf.Of(shared.Library).Sections.Single(s => s.Name == ".text").Index;
            bytes[62] = (byte)text;
            bytes[63] = 0;
        }
        else
            bytes[47] = 0x80; // e_shoff's top byte
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ElfFormatException>(() => ElfReader.Read(path));
        Assert.StartsWith("damaged ELF file (", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void RefusesA32BitOrBigEndianFileInItsOwnWords()
    {
        var bytes = File.ReadAllBytes(shared.Library);
        bytes[4] = ElfConstants.ElfClass32;
        File.WriteAllBytes(shared["elf32"], bytes);
        Assert.Equal("32-bit ELF file", Assert.Throws<ElfFormatException>(() => ElfReader.Read(shared["elf32"])).Message);
        bytes[4] = ElfConstants.ElfClass64;
        bytes[5] = 2; // ELFDATA2MSB
        File.WriteAllBytes(shared["elfbe"], bytes);
        Assert.Equal("big-endian ELF file", Assert.Throws<ElfFormatException>(() => ElfReader.Read(shared["elfbe"])).Message);
    }

    [Fact]
    public void RefusesATruncatedElfFile()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(programs.Static);
        File.WriteAllBytes(dir["cut"], bytes[..100]);
        var e = Assert.Throws<ElfFormatException>(() => ElfReader.Read(dir["cut"]));
        Assert.Contains("truncated", e.Message);
    }

    static void Compare(string path)
    {
        var expected = ReadElf.Of(path);
        if (!expected.IsElf)
        {
            var e = Assert.Throws<ElfFormatException>(() => ElfReader.Read(path));
            Assert.Equal("not an ELF file", e.Message);
            return;
        }
        var elf = ElfReader.Read(path);
        Assert.Equal(expected.Type, elf.Type);
        Assert.Equal(expected.Machine, elf.Machine);
        Assert.Equal(expected.Entry, elf.Entry);

        Assert.Equal(expected.Segments, Segments(elf));

        Assert.NotEmpty(expected.Sections);
        var sections = elf.Sections
            .Select((s, i) => new ReadElf.Section(i, s.Name, s.Addr, s.Offset, s.Size))
            .ToList();
        Assert.Equal(expected.Sections, sections);
    }

    static List<ReadElf.Segment> Segments(ElfFile elf) => [.. elf.ProgramHeaders
        .Select(p => new ReadElf.Segment(p.Type, p.Offset, p.VAddr, p.PAddr, p.FileSize, p.MemSize, p.Flags, p.Align))];
}
