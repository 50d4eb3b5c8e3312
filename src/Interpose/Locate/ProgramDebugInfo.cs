using Zhuque.Interpose.Dwarf;
using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Unwind;

namespace Zhuque.Interpose.Locate;

/// <summary>
/// What a program file tells about its own code: function symbols, line
/// tables, unwind rules and the code bytes. Each part is read on its own
/// and is null when the file lacks it or it cannot be read (stripped,
/// built without -g, damaged), so that whatever remains is still used.
/// Entry: the ELF entry point, where the main thread's stack begins.
/// </summary>
public sealed record ProgramDebugInfo(ElfSymbols? Symbols, LineTable? Lines, FdeTable? Fdes, ProgramCode? Code, ulong? Entry)
{
    public static readonly ProgramDebugInfo None = new(null, null, null, null, null);

    /// <summary>
    /// Reads the program at path, loaded at loadBias (an ET_DYN one); None
    /// when it is gone or not an ELF file. Line tables and unwind rules are
    /// read for a program at its own addresses only.
    /// </summary>
    public static ProgramDebugInfo Read(string path, ulong loadBias = 0)
    {
        ElfFile elf;
        try
        {
            elf = ElfReader.Read(path);
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return None;
        }
        var sections = new ElfSectionData(path, elf);
        return new ProgramDebugInfo(
            Part(() => ElfSymbols.Read(path, loadBias)),
            loadBias == 0 ? Part(() => LineTableReader.Read(sections)) : null,
            loadBias == 0 ? Part(() => ReadFdes(sections)) : null,
            Part(() => ProgramCode.Read(path, elf, loadBias)),
            elf.Entry + loadBias);
    }

    static FdeTable? ReadFdes(ElfSectionData sections)
    {
        if (sections.Find(".eh_frame") is not { } section)
            return null;
        return new FdeTable(EhFrameReader.Read(sections.Read(section), section.Addr));
    }

    static T? Part<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return null;
        }
    }

    static bool IsUnreadable(Exception e) =>
        e is IOException or UnauthorizedAccessException or ElfFormatException or DwarfFormatException;
}
