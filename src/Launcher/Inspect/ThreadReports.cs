using Zhuque.Interpose.Dwarf;
using Zhuque.Interpose.Frames;
using Zhuque.Interpose.Image;
using Zhuque.Interpose.Locate;
using Zhuque.Interpose.Unwind;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Native;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Inspect;

/// <summary>
/// The threads section of inspect: every entry of the thread table, its
/// frame decoded from the region files (opened read-only through the image
/// directory), and where it was by the program's debug information. A
/// frame that cannot be read is reported on its thread.
/// </summary>
public static class ThreadReports
{
    public static IReadOnlyList<ThreadReport> Build(ImageDirectory dir, Context context, string? program, string? programSha256)
    {
        using var memory = new ImageMemory(context.Regions, file => Open(dir, file));
        var info = Program(program, programSha256);
        var locator = new ThreadLocator(info, new ImageStackMemory(memory));
        return [.. ThreadFrameReader.Read(context, memory).Select(t => Report(t, info, locator))];
    }

    /// <summary>
    /// The program's symbols and debug information; none when it is gone,
    /// unreadable, or no longer the file the image ran (its SHA-256
    /// differs): its lines and symbols would describe other code.
    /// </summary>
    static ProgramDebugInfo Program(string? program, string? programSha256)
    {
        if (program is null)
            return ProgramDebugInfo.None;
        try
        {
            if (programSha256 is not null && ProgramHash.Sha256(program) != programSha256)
                return ProgramDebugInfo.None;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ProgramDebugInfo.None;
        }
        return ProgramDebugInfo.Read(program);
    }

    static Microsoft.Win32.SafeHandles.SafeFileHandle? Open(ImageDirectory dir, ZqFile file) =>
        BackingFiles.RelativePath(file) is { } relative ? dir.OpenFile(relative, Libc.O_RDONLY) : null;

    static ThreadReport Report(SavedThread t, ProgramDebugInfo info, ThreadLocator locator)
    {
        var where = t.Registers is { } registers ? locator.Locate(registers) : ThreadLocation.Unknown;
        return new(
            t.Entry.Tid,
            (int)t.Entry.Signo,
            Signals.Name((int)t.Entry.Signo),
            t.State.ToString().ToLowerInvariant(),
            Hex(t.Entry.Tp),
            Hex(t.Entry.Frame),
            t.Registers is { } regs ? info.Symbols?.Describe(regs.Rip) : null,
            Line(where.Source),
            t.Registers is { } r ? Registers(r) : null,
            t.Frame is { } f ? Hex(f.UcSigmask) : null,
            where.Backtrace?.Select(b => new FrameReport(b.Index, Hex(b.Pc), b.Function, Line(b.Source))).ToArray(),
            where.Disassembly?.Select(i => new InstructionReport(Hex(i.Address), Convert.ToHexStringLower(i.Bytes), i.Text, i.AtRip)).ToArray(),
            t.Error);
    }

    static SourceLine? Line(SourceLocation? location) => location is null ? null : new SourceLine(location.File, location.Line);

    static RegistersReport Registers(KernelSigContext r) => new(
        Hex(r.Rip), Hex(r.Rsp), Hex(r.Rbp),
        Hex(r.Rax), Hex(r.Rbx), Hex(r.Rcx), Hex(r.Rdx), Hex(r.Rsi), Hex(r.Rdi),
        Hex(r.R8), Hex(r.R9), Hex(r.R10), Hex(r.R11), Hex(r.R12), Hex(r.R13), Hex(r.R14), Hex(r.R15),
        Hex(r.Eflags), Hex16(r.Cs), Hex16(r.Ss), Hex16(r.Fs), Hex16(r.Gs),
        Hex(r.Err), Hex(r.Trapno), Hex(r.Oldmask), Hex(r.Cr2), Hex(r.Fpstate));

    static string Hex(ulong value) => $"0x{value:x16}";

    static string Hex16(ushort value) => $"0x{value:x4}";
}
