using Zhuque.Interpose.Dwarf;
using Zhuque.Interpose.Elf;
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
        var info = Program(program, programSha256, context.Header.ProgBase);
        var shared = SharedObjects(context);
        if (shared.Objects.Count > 0)
            info = info with { Symbols = ElfSymbols.Combine([info.Symbols, shared.Symbols]), Code = ProgramCode.Combine([info.Code, shared.Code]) };
        var locator = new ThreadLocator(info, new ImageStackMemory(memory));
        return [.. ThreadFrameReader.Read(context, memory).Select(t => Report(t, info, locator, shared))];
    }

    /// <summary>
    /// libc.so (entry 0 of a dynamic program's mapped-file table, at the
    /// header's interp_base) and the libraries ldso mapped, each at the
    /// address of its lowest region less that region's file offset (the
    /// first PT_LOAD of a shared object starts at offset and address 0);
    /// files that are no ELF object (data the program mapped) drop out.
    /// Only files unchanged since the image was saved (content hash), whose
    /// symbols describe the code that ran.
    /// </summary>
    static LoadedSymbols SharedObjects(Context context)
    {
        var objects = new List<LoadedObject>();
        for (var i = 0; i < context.MappedFiles.Count; i++)
        {
            var m = context.MappedFiles[i];
            var file = (uint)ZqFile.Mapped + (uint)i;
            var lowest = context.Regions.Where(r => r.File == file).OrderBy(r => r.Start).FirstOrDefault();
            if (m.Writable || m.Hash == 0 || lowest.End == 0)
                continue;
            try
            {
                if (ContentHash.OfFile(m.Path) != m.Hash)
                    continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            var bias = i == 0 && context.Header.InterpBase != 0 ? context.Header.InterpBase : lowest.Start - lowest.Offset;
            objects.Add(new LoadedObject(m.Path, bias));
        }
        return LoadedSymbols.Read(objects);
    }

    /// <summary>
    /// The program's symbols and debug information; none when it is gone,
    /// unreadable, or no longer the file the image ran (its SHA-256
    /// differs): its lines and symbols would describe other code.
    /// </summary>
    static ProgramDebugInfo Program(string? program, string? programSha256, ulong loadBias)
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
        return ProgramDebugInfo.Read(program, loadBias);
    }

    static Microsoft.Win32.SafeHandles.SafeFileHandle? Open(ImageDirectory dir, ZqFile file) =>
        BackingFiles.RelativePath(file) is { } relative ? dir.OpenFile(relative, Libc.O_RDONLY) : null;

    static ThreadReport Report(SavedThread t, ProgramDebugInfo info, ThreadLocator locator, LoadedSymbols shared)
    {
        var where = t.Registers is { } registers ? locator.Locate(registers) : ThreadLocation.Unknown;
        return new(
            t.Entry.Tid,
            (int)t.Entry.Signo,
            Signals.Name((int)t.Entry.Signo),
            t.State.ToString().ToLowerInvariant(),
            Hex(t.Entry.Tp),
            Hex(t.Entry.Frame),
            t.Registers is { } regs ? shared.Describe(regs.Rip) ?? info.Symbols?.Describe(regs.Rip) : null,
            Line(where.Source),
            t.Registers is { } r ? Registers(r) : null,
            t.Frame is { } f ? Hex(f.UcSigmask) : null,
            where.Backtrace?.Select(b => new FrameReport(b.Index, Hex(b.Pc), shared.Describe(b.Pc) ?? b.Function, Line(b.Source))).ToArray(),
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
