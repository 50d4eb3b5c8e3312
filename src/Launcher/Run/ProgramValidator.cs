using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Image;

namespace Zhuque.Launcher.Run;

/// <summary>
/// Refuses, with one line and 126, what the shim cannot load: anything but a
/// static, non-PIE x86_64 ELF executable, or a dynamic musl program (PIE or
/// not) that needs no shared library besides libc; and a static program
/// whose runtime does not speak this zhuque's image layout: the runtime
/// marks itself with a section named .zhuque_abi_N (native/runtime/init.c).
/// </summary>
public static class ProgramValidator
{
    const string AbiSection = ".zhuque_abi_";

    static void CheckRuntime(ElfFile elf, string shown)
    {
        var abi = elf.Sections.Select(s => s.Name).FirstOrDefault(n => n.StartsWith(AbiSection, StringComparison.Ordinal));
        if (abi is null)
            throw new ZhuqueException(ReturnCode.CannotExecute,
                $"{shown}: not built with zhuque-cc (it has no Zhuque runtime), so its memory would not be kept");
        if (abi != AbiSection + Layout.AbiVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new ZhuqueException(ReturnCode.CannotExecute,
                $"{shown}: built for Zhuque image ABI {abi[AbiSection.Length..]}, this zhuque speaks {Layout.AbiVersion}; rebuild it with zhuque-cc");
    }

    const string MuslInterpreter = "/lib/ld-musl-x86_64.so.1";
    const long DtNull = 0, DtNeeded = 1;

    /// <summary>
    /// A dynamic program runs with Zhuque's libc.so as its dynamic linker
    /// (the runtime is there): it must ask for musl's, and need no shared
    /// library besides libc, whose memory would not yet be kept.
    /// </summary>
    static void CheckDynamic(string path, ElfFile elf, string shown)
    {
        if (elf.Interpreter != MuslInterpreter)
            throw new ZhuqueException(ReturnCode.CannotExecute,
                $"{shown}: not a musl program (its dynamic linker is {elf.Interpreter}); build it with musl-gcc or zhuque-cc");
        foreach (var name in Needed(path, elf, shown))
            if (name != "libc.so")
                throw new ZhuqueException(ReturnCode.CannotExecute,
                    $"{shown}: needs the shared library {name}; only libc is supported yet (link the others statically)");
    }

    /// <summary>The DT_NEEDED names, from .dynamic and .dynstr.</summary>
    static List<string> Needed(string path, ElfFile elf, string shown)
    {
        var data = new ElfSectionData(path, elf);
        byte[]? dynamic, strings;
        try
        {
            dynamic = data.Read(".dynamic");
            strings = data.Read(".dynstr");
        }
        catch (ElfFormatException e)
        {
            throw new ZhuqueException(ReturnCode.CannotExecute, $"{shown}: cannot run it: {e.Message}");
        }
        var names = new List<string>();
        if (dynamic is null || strings is null)
            return names;
        for (var i = 0; i + 16 <= dynamic.Length; i += 16)
        {
            var tag = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(dynamic.AsSpan(i));
            var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(dynamic.AsSpan(i + 8));
            if (tag == DtNull)
                break;
            if (tag != DtNeeded)
                continue;
            if (value >= (ulong)strings.Length)
                throw new ZhuqueException(ReturnCode.CannotExecute, $"{shown}: cannot run it: a DT_NEEDED name lies outside .dynstr");
            var end = Array.IndexOf(strings, (byte)0, (int)value);
            names.Add(System.Text.Encoding.UTF8.GetString(strings, (int)value, (end < 0 ? strings.Length : end) - (int)value));
        }
        return names;
    }

    public static ElfFile Validate(ResolvedProgram program)
    {
        var shown = program.AsTyped;
        ElfFile elf;
        try
        {
            elf = ElfReader.Read(program.Path);
        }
        catch (ElfFormatException e)
        {
            throw new ZhuqueException(ReturnCode.CannotExecute, $"{shown}: cannot run it: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZhuqueException(ReturnCode.CannotExecute, $"{shown}: cannot read it: {e.Message}");
        }
        if (elf.Machine != ElfConstants.EmX86_64)
            throw new ZhuqueException(ReturnCode.CannotExecute,
                $"{shown}: not an x86_64 program (ELF machine {elf.Machine})");
        if (elf.IsDynamicallyLinked)
        {
            CheckDynamic(program.Path, elf, shown);
            return elf;
        }
        if (elf.Type != ElfConstants.EtExec)
            throw new ZhuqueException(ReturnCode.CannotExecute,
                $"{shown}: not a static non-PIE executable (ELF type {ElfConstants.TypeName(elf.Type)}); build it with zhuque-cc");
        if (!elf.ProgramHeaders.Any(p => p.Type == ElfConstants.PtLoad))
            throw new ZhuqueException(ReturnCode.CannotExecute, $"{shown}: has no loadable segment");
        CheckRuntime(elf, shown);
        return elf;
    }
}
