using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Frames;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Native;
using Zhuque.Launcher.Run;

namespace Zhuque.Launcher.Inspect;

/// <summary>
/// The threads section of inspect: every entry of the thread table, its
/// frame decoded from the region files (opened read-only through the image
/// directory). A frame that cannot be read is reported on its thread.
/// </summary>
public static class ThreadReports
{
    public static IReadOnlyList<ThreadReport> Build(ImageDirectory dir, Context context, string? program)
    {
        using var memory = new ImageMemory(context.Regions, file => Open(dir, file));
        var symbols = Symbols(program);
        return [.. ThreadFrameReader.Read(context, memory).Select(t => Report(t, symbols))];
    }

    /// <summary>The program's functions; none when it is gone or unreadable (inspect still shows the rest).</summary>
    static ElfSymbols? Symbols(string? program)
    {
        if (program is null)
            return null;
        try
        {
            return ElfSymbols.Read(program);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ElfFormatException)
        {
            return null;
        }
    }

    static Microsoft.Win32.SafeHandles.SafeFileHandle? Open(ImageDirectory dir, ZqFile file) =>
        BackingFiles.RelativePath(file) is { } relative ? Posix.OpenFileAt(dir.Fd, relative, Libc.O_RDONLY) : null;

    static ThreadReport Report(SavedThread t, ElfSymbols? symbols) => new(
        t.Entry.Tid,
        (int)t.Entry.Signo,
        Signals.Name((int)t.Entry.Signo),
        t.State.ToString().ToLowerInvariant(),
        Hex(t.Entry.Tp),
        Hex(t.Entry.Frame),
        t.Registers is { } regs ? symbols?.Describe(regs.Rip) : null,
        t.Registers is { } r ? Registers(r) : null,
        t.Frame is { } f ? Hex(f.UcSigmask) : null,
        t.Error);

    static RegistersReport Registers(KernelSigContext r) => new(
        Hex(r.Rip), Hex(r.Rsp), Hex(r.Rbp),
        Hex(r.Rax), Hex(r.Rbx), Hex(r.Rcx), Hex(r.Rdx), Hex(r.Rsi), Hex(r.Rdi),
        Hex(r.R8), Hex(r.R9), Hex(r.R10), Hex(r.R11), Hex(r.R12), Hex(r.R13), Hex(r.R14), Hex(r.R15),
        Hex(r.Eflags), Hex16(r.Cs), Hex16(r.Ss), Hex16(r.Fs), Hex16(r.Gs),
        Hex(r.Err), Hex(r.Trapno), Hex(r.Oldmask), Hex(r.Cr2), Hex(r.Fpstate));

    static string Hex(ulong value) => $"0x{value:x16}";

    static string Hex16(ushort value) => $"0x{value:x4}";
}
