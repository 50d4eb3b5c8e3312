using Zhuque.Interpose.Elf;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>ElfReader against readelf -hlSW on real files of every kind the launcher meets.</summary>
public sealed class ElfReaderTests(Programs programs) : IClassFixture<Programs>
{
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

        var segments = elf.ProgramHeaders
            .Select(p => new ReadElf.Segment(p.Type, p.Offset, p.VAddr, p.PAddr, p.FileSize, p.MemSize, p.Flags, p.Align))
            .ToList();
        Assert.Equal(expected.Segments, segments);

        Assert.NotEmpty(expected.Sections);
        var sections = elf.Sections
            .Select((s, i) => new ReadElf.Section(i, s.Name, s.Addr, s.Offset, s.Size))
            .ToList();
        Assert.Equal(expected.Sections, sections);
    }
}
