using System.Globalization;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Verbs;

/// <summary>--dirty-limit MIB: 0 or more, at most 1 TiB; absent, the default.</summary>
public static class DirtyLimitOption
{
    public static int Check(int? mib)
    {
        if (mib is not { } m)
            return DirtyWriter.DefaultLimitMiB;
        if (m < 0 || m > 1 << 20)
            throw new ZhuqueException(ReturnCode.UsageOrInternal,
                string.Create(CultureInfo.InvariantCulture, $"--dirty-limit needs a number of MiB from 0 to {1 << 20}, not {m}"));
        return m;
    }
}
