using Zhuque.Launcher.Images;

namespace Zhuque.Launcher.Supervision;

/// <summary>
/// How the supervised process starts: the history event that records it
/// (run or resume), the failures the image had saved before (a resume only:
/// a saved state with no more than these is the old failure, not a new one),
/// --fail-after in seconds, and --dirty-limit in bytes (DirtyWriter; 0: none).
/// </summary>
public sealed record SupervisedStart(string Event, uint? SavedFailures, double? FailAfter,
    long DirtyLimit = DirtyWriter.DefaultLimitMiB << 20)
{
    public static SupervisedStart Run(double? failAfter, long dirtyLimit = DirtyWriter.DefaultLimitMiB << 20) =>
        new(HistoryEvents.Run, null, failAfter, dirtyLimit);

    public static SupervisedStart Resume(uint savedFailures, double? failAfter, long dirtyLimit = DirtyWriter.DefaultLimitMiB << 20) =>
        new(HistoryEvents.Resume, savedFailures, failAfter, dirtyLimit);
}
