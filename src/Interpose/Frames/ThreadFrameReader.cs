using System.Runtime.CompilerServices;
using Zhuque.Interpose.Image;

namespace Zhuque.Interpose.Frames;

/// <summary>
/// Decodes the register frame of every thread a failure captured: each
/// zq_thread names the address of the ucontext the kernel pushed on that
/// thread's stack, which lies in image memory. Errors are per thread.
/// </summary>
public static class ThreadFrameReader
{
    public static IReadOnlyList<SavedThread> Read(Context context, ImageMemory memory) =>
        [.. context.Threads.Select(t => Read(t, memory))];

    public static SavedThread Read(ZqThread thread, ImageMemory memory)
    {
        if ((ZqThreadState)thread.State != ZqThreadState.Captured)
            return new SavedThread(thread, null, $"not captured (thread state {thread.State})");
        if (thread.Frame == 0)
            return new SavedThread(thread, null, "no frame recorded");
        if (thread.Frame > ulong.MaxValue - (ulong)Unsafe.SizeOf<KernelUContext>())
            return new SavedThread(thread, null, $"frame address 0x{thread.Frame:x} is out of range");
        try
        {
            return new SavedThread(thread, memory.Read<KernelUContext>(thread.Frame), null);
        }
        catch (ImageMemoryException e)
        {
            return new SavedThread(thread, null, $"frame at 0x{thread.Frame:x} unreadable: {e.Message}");
        }
        catch (IOException e)
        {
            return new SavedThread(thread, null, $"frame at 0x{thread.Frame:x} unreadable: {e.Message}");
        }
    }
}
