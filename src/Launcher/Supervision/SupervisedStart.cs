using Zhuque.Launcher.Images;

namespace Zhuque.Launcher.Supervision;

/// <summary>
/// How the supervised process starts: the history event that records it
/// (run or resume), the failures the image had saved before (a resume only:
/// a saved state with no more than these is the old failure, not a new one),
/// and --fail-after in seconds.
/// </summary>
public sealed record SupervisedStart(string Event, uint? SavedFailures, double? FailAfter)
{
    public static SupervisedStart Run(double? failAfter) => new(HistoryEvents.Run, null, failAfter);

    public static SupervisedStart Resume(uint savedFailures, double? failAfter) => new(HistoryEvents.Resume, savedFailures, failAfter);
}
