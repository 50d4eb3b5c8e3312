using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Image;

namespace Zhuque.Launcher.Run;

/// <summary>
/// Refuses, with one line and 126, what the shim cannot load: anything but a
/// static, non-PIE x86_64 ELF executable, or a dynamic musl program (PIE or
/// not); and a static program
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

    /// <summary>
    /// A dynamic program runs with Zhuque's libc.so as its dynamic linker
    /// (the runtime is there): it must ask for musl's. The libraries it
    /// needs are the dynamic linker's to find and load, as image memory.
    /// </summary>
    static void CheckDynamic(ElfFile elf, string shown)
    {
        if (elf.Interpreter != MuslInterpreter)
            throw new ZhuqueException(ReturnCode.CannotExecute,
                $"{shown}: not a musl program (its dynamic linker is {elf.Interpreter}); build it with musl-gcc or zhuque-cc");
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
            CheckDynamic(elf, shown);
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
