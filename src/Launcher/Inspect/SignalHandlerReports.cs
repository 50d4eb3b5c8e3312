using Microsoft.Win32.SafeHandles;
using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Frames;
using Zhuque.Interpose.Image;
using Zhuque.Interpose.Signals;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Native;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Inspect;

/// <summary>
/// The signal handlers section: the dispositions the program set, read
/// from its image memory where the runtime keeps them
/// (SignalDispositionReader), handlers named from the program's .symtab.
/// SA_RESTORER is not shown: musl adds it to every action it gives the
/// kernel, so it says nothing about the program.
/// </summary>
public static class SignalHandlerReports
{
    const ulong SaRestorer = 0x04000000;

    static readonly (ulong, string)[] Flags =
    [
        (0x1, "SA_NOCLDSTOP"), (0x2, "SA_NOCLDWAIT"), (0x4, "SA_SIGINFO"), (0x400, "SA_UNSUPPORTED"),
        (0x800, "SA_EXPOSE_TAGBITS"), (0x08000000, "SA_ONSTACK"), (0x10000000, "SA_RESTART"),
        (0x40000000, "SA_NODEFER"), (0x80000000, "SA_RESETHAND"),
    ];

    public static SignalHandlersSection Build(ImageDirectory dir, Context context, string? program)
    {
        if (program is null)
            return new SignalHandlersSection(null, "the image has no manifest naming its program");
        ElfSymbolTable symbols;
        try
        {
            symbols = ElfSymbolTable.Read(program);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ElfFormatException)
        {
            return new SignalHandlersSection(null, $"the program cannot be read: {e.Message}");
        }
        using var memory = new ImageMemory(context.Regions, file => Open(dir, file));
        var saved = SignalDispositionReader.Read(symbols, memory);
        if (saved.Handlers is not { } handlers)
            return new SignalHandlersSection(null, saved.Unknown);
        var functions = ElfSymbols.From(symbols);
        return new SignalHandlersSection([.. handlers.Select(h => Report(h, functions))], null);
    }

    static SafeFileHandle? Open(ImageDirectory dir, ZqFile file) =>
        BackingFiles.RelativePath(file) is { } relative ? dir.OpenFile(relative, Libc.O_RDONLY) : null;

    public static SignalHandlerReport Report(SavedDisposition d, ElfSymbols functions)
    {
        var isFunction = d.Handler is not (SavedDisposition.SigDfl or SavedDisposition.SigIgn);
        return new SignalHandlerReport(
            d.Signo,
            Signals.Name(d.Signo),
            Handler(d.Handler, functions),
            isFunction ? $"0x{d.Handler:x16}" : null,
            BitNames.Format(d.Flags & ~SaRestorer, Flags),
            $"0x{d.Mask:x16}");
    }

    static string Handler(ulong handler, ElfSymbols functions) => handler switch
    {
        SavedDisposition.SigDfl => "SIG_DFL",
        SavedDisposition.SigIgn => "SIG_IGN",
        _ => functions.Containing(handler) is { } f
            ? (f.Address == handler ? f.Name : $"{f.Name}+0x{handler - f.Address:x}")
            : $"0x{handler:x}",
    };
}
