using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Frames;

namespace Zhuque.Interpose.Signals;

/// <summary>
/// The signal dispositions a saved program had set. They are not in the
/// context: the runtime's sigaction hook keeps them in statics of
/// native/runtime/signal.c, so in .bss, so in image memory:
/// `struct k_sigaction actions[_NSIG]` and `unsigned char action_set[_NSIG]`
/// for every signal the program gave the kernel, and `struct sigaction
/// app_power` for SIGPWR, which the runtime keeps for itself. They are
/// found by name among the local objects that follow the STT_FILE symbol
/// "signal.c" in the program's .symtab (musl has a signal.c of its own:
/// the one holding all three is the runtime's), and checked by size.
/// </summary>
public static class SignalDispositionReader
{
    const string SourceFile = "signal.c";
    const int SigPwr = 30;

    public static SavedDispositions Read(ElfSymbolTable symbols, ImageMemory memory)
    {
        // .dynsym (all a stripped dynamic program keeps) has no local statics.
        if (symbols.Symbols.Count == 0 || symbols.IsDynamicOnly)
            return Unknown("the program has no symbol table (stripped)");
        var statics = symbols.LocalObjects(SourceFile)
            .Select(objects => objects.ToDictionary(o => o.Name, o => o, StringComparer.Ordinal))
            .FirstOrDefault(o => o.ContainsKey("actions") && o.ContainsKey("action_set") && o.ContainsKey("app_power"));
        if (statics is null)
            return Unknown("the program's symbol table has no runtime signal.c statics (actions, action_set, app_power)");
        var actions = statics["actions"];
        var set = statics["action_set"];
        var power = statics["app_power"];
        var count = set.Size;
        if (count < 2 || count > 1024 || actions.Size != count * (ulong)Unsafe.SizeOf<KernelSigaction>()
            || power.Size != (ulong)Unsafe.SizeOf<MuslSigaction>())
            return Unknown($"the runtime's signal statics have unexpected sizes (actions {actions.Size}, action_set {set.Size}, app_power {power.Size})");
        try
        {
            return new SavedDispositions(Dispositions(memory, actions.Value, set.Value, power.Value, (int)count), null);
        }
        catch (Exception e) when (e is ImageMemoryException or IOException)
        {
            return Unknown($"the runtime's signal statics cannot be read: {e.Message}");
        }
    }

    static List<SavedDisposition> Dispositions(ImageMemory memory, ulong actionsAt, ulong setAt, ulong powerAt, int count)
    {
        var set = new byte[count];
        memory.Read(setAt, set);
        var actions = new KernelSigaction[count];
        memory.Read(actionsAt, MemoryMarshal.AsBytes(actions.AsSpan()));
        var result = new List<SavedDisposition>();
        for (var sig = 1; sig < count; sig++)
        {
            if (sig == SigPwr)
            {
                // The program's SIGPWR never reaches the kernel: the runtime keeps it as given.
                var p = memory.Read<MuslSigaction>(powerAt);
                if (p.Handler != SavedDisposition.SigDfl || p.Flags != 0 || p.Mask != 0)
                    result.Add(new SavedDisposition(sig, p.Handler, (uint)p.Flags, p.Mask));
            }
            else if (set[sig] != 0)
                result.Add(new SavedDisposition(sig, actions[sig].Handler, actions[sig].Flags, actions[sig].Mask));
        }
        return result;
    }

    static SavedDispositions Unknown(string why) => new(null, why);
}
