using Zhuque.Interpose.Image;

namespace Zhuque.Interpose.Frames;

/// <summary>
/// One entry of the thread table and, when it could be read, the signal
/// frame it points at; otherwise Error says why not. A bad entry never
/// hides the others.
/// </summary>
public sealed record SavedThread(ZqThread Entry, KernelUContext? Frame, string? Error)
{
    public ZqThreadState State => (ZqThreadState)Entry.State;

    public KernelSigContext? Registers => Frame?.UcMcontext;
}
