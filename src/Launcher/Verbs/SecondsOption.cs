using System.Globalization;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Verbs;

/// <summary>Checks the seconds of --fail-after (run, resume) and --timeout (crash): a finite number above 0.</summary>
public static class SecondsOption
{
    public static double? Check(string option, double? seconds)
    {
        if (seconds is not { } s)
            return null;
        if (!double.IsFinite(s) || s <= 0)
            throw new ZhuqueException(ReturnCode.UsageOrInternal,
                string.Create(CultureInfo.InvariantCulture, $"{option} needs a number of seconds above 0, not {s}"));
        if (s > FailureTimer.MaxSeconds)
            throw new ZhuqueException(ReturnCode.UsageOrInternal,
                string.Create(CultureInfo.InvariantCulture, $"{option} {s}: too long (at most {FailureTimer.MaxSeconds:0} seconds)"));
        return s;
    }
}
