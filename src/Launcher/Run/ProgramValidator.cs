using Zhuque.Interpose.Elf;

namespace Zhuque.Launcher.Run;

/// <summary>
/// Refuses, with one line and 126, what the shim cannot load: anything but a
/// static, non-PIE x86_64 ELF executable (the shim places the program at its
/// linked addresses, and dynamic linking is a later step).
/// </summary>
public static class ProgramValidator
{
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
            throw new ZhuqueException(ReturnCode.CannotExecute,
                $"{shown}: dynamically linked programs are not supported yet; build it with zhuque-cc");
        if (elf.Type != ElfConstants.EtExec)
            throw new ZhuqueException(ReturnCode.CannotExecute,
                $"{shown}: not a static non-PIE executable (ELF type {ElfConstants.TypeName(elf.Type)}); build it with zhuque-cc");
        if (!elf.ProgramHeaders.Any(p => p.Type == ElfConstants.PtLoad))
            throw new ZhuqueException(ReturnCode.CannotExecute, $"{shown}: has no loadable segment");
        return elf;
    }
}
