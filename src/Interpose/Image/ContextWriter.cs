using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Zhuque.Interpose.Image;

/// <summary>
/// The launcher's only writes into the context, after the process is gone:
/// the state word and the exit status (pwrite of 4 bytes each; nothing else
/// of the file is touched).
/// </summary>
public static class ContextWriter
{
    public static readonly long StateOffset = Marshal.OffsetOf<ZqHeader>(nameof(ZqHeader.State)).ToInt64();

    public static readonly long ExitStatusOffset = Marshal.OffsetOf<ZqHeader>(nameof(ZqHeader.ExitStatus)).ToInt64();

    public static void SetState(SafeFileHandle handle, ZqState state)
    {
        var value = (uint)state;
        RandomAccess.Write(handle, MemoryMarshal.AsBytes(new ReadOnlySpan<uint>(in value)), StateOffset);
    }

    public static void SetExitStatus(SafeFileHandle handle, int status) =>
        RandomAccess.Write(handle, MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in status)), ExitStatusOffset);
}
