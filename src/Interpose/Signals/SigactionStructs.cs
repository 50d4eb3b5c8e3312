using System.Runtime.InteropServices;

namespace Zhuque.Interpose.Signals;

// The two sigaction layouts the runtime keeps in its statics
// (native/runtime/signal.c), C names beside the fields. SigactionMirrorTests
// compares them with the kernel's <asm/signal.h> and musl's <signal.h>.

/// <summary>
/// What rt_sigaction takes on x86_64: the kernel's struct sigaction
/// (asm/signal.h), which musl calls struct k_sigaction (its mask as two
/// unsigned ints, the same 8 bytes). The runtime records each as given.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct KernelSigaction
{
    public ulong Handler;  // sa_handler: SIG_DFL 0, SIG_IGN 1, or a function
    public ulong Flags;    // sa_flags: SA_*
    public ulong Restorer; // sa_restorer: musl's __restore_rt
    public ulong Mask;     // sa_mask: one bit per signal, bit N-1 for signal N
}

/// <summary>musl's struct sigaction (include/signal.h): what the program passed for SIGPWR, kept as given.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MuslSigaction
{
    public ulong Handler;         // sa_handler / sa_sigaction
    public ulong Mask;            // sa_mask: the first 8 of its 128 bytes, signals 1-64
    public fixed byte MaskRest[120];
    public int Flags;             // sa_flags
    public int Pad;               // (padding)
    public ulong Restorer;        // sa_restorer
}
