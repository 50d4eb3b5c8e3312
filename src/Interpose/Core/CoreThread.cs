using System.Buffers.Binary;
using Zhuque.Interpose.Frames;

namespace Zhuque.Interpose.Core;

/// <summary>
/// One thread as a core file shows it: its saved registers and, when its
/// signal frame held them, its FP/SSE state (the 512-byte fxsave area) and
/// its whole xsave area (AVX and later), both read from image memory where
/// the frame's fpstate points.
/// </summary>
public sealed record CoreThread(int Tid, int Signo, ulong Sigmask, ulong Tp, KernelSigContext Registers, byte[]? Fxsave, byte[]? Xsave)
{
    /// <summary>Larger than any xsave area a CPU has today (AMX: ~11 KiB): a frame claiming more is damaged.</summary>
    const uint MaxXsave = 64 * 1024;

    /// <summary>A thread whose frame was read; null for one without (inspect reports why).</summary>
    public static CoreThread? From(SavedThread t, ImageMemory memory)
    {
        if (t.Frame is not { } frame)
            return null;
        var regs = frame.UcMcontext;
        byte[]? fx = null, xs = null;
        if (regs.Fpstate != 0)
        {
            try
            {
                fx = new byte[CoreConstants.FxsaveSize];
                memory.Read(regs.Fpstate, fx);
                xs = ReadXsave(fx, regs.Fpstate, memory);
            }
            catch (Exception e) when (e is ImageMemoryException or IOException)
            {
                fx = xs = null; // the general registers still make a useful core
            }
        }
        return new CoreThread(t.Entry.Tid, (int)t.Entry.Signo, frame.UcSigmask, t.Entry.Tp, regs, fx, xs);
    }

    /// <summary>The whole xsave area when the frame's software bytes say there is one (struct _fpx_sw_bytes).</summary>
    static byte[]? ReadXsave(byte[] fx, ulong address, ImageMemory memory)
    {
        var sw = fx.AsSpan(CoreConstants.SwReservedOffset);
        if (BinaryPrimitives.ReadUInt32LittleEndian(sw) != CoreConstants.FpXstateMagic1)
            return null;
        var size = BinaryPrimitives.ReadUInt32LittleEndian(sw[16..]); // xstate_size
        if (size <= CoreConstants.FxsaveSize || size > MaxXsave)
            return null;
        var xs = new byte[size];
        memory.Read(address, xs);
        return xs;
    }
}
