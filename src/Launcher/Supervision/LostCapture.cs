using System.Globalization;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Supervision;

/// <summary>
/// Why the runtime could not save a power failure, from the reason and
/// errno it recorded in the header before it died (lost_reason,
/// lost_errno): one clause for the line on stderr and in zhuque.log.
/// </summary>
public static class LostCapture
{
    static readonly Dictionary<int, string> Names = new()
    {
        [23] = "ENFILE", [24] = "EMFILE", [27] = "EFBIG", [28] = "ENOSPC", [122] = "EDQUOT",
    };

    /// <summary>"the thread table could not grow (ENOSPC: No space left on device)", or null when no reason was recorded.</summary>
    public static string? Reason(ZqHeader header)
    {
        var errno = header.LostErrno;
        return (ZqLost)header.LostReason switch
        {
            ZqLost.None => null,
            ZqLost.Tasks => $"the program's threads could not be listed{Errno(errno)}",
            ZqLost.Threads when errno == 0 => string.Create(CultureInfo.InvariantCulture, $"the thread table is full ({header.ThreadCap} threads)"),
            ZqLost.Threads => $"the thread table could not grow{Errno(errno)}",
            ZqLost.Timeout when errno == 0 => "a thread did not stop within 2 s",
            ZqLost.Timeout => string.Create(CultureInfo.InvariantCulture,
                $"a thread did not stop within 2 s (thread {errno & 0xffffff}, state {(errno >> 24 is > 32 and < 127 and var c ? ((char)c).ToString() : "?")})"),
            ZqLost.Fds when errno == 0 => string.Create(CultureInfo.InvariantCulture, $"the descriptor table is full ({header.FdCap} descriptors)"),
            ZqLost.Fds when errno is 23 or 24 => $"the descriptors could not be listed{Errno(errno)}",
            ZqLost.Fds => $"the descriptor table could not grow{Errno(errno)}",
            ZqLost.Save when errno == 0 => string.Create(CultureInfo.InvariantCulture,
                $"the save area (unread pipe bytes, paths, addresses) is full ({Layout.SaveSize >> 20} MiB)"),
            ZqLost.Save => $"the save area (unread pipe bytes, paths, addresses) could not grow{Errno(errno)}",
            ZqLost.Runtime => "the program was killed inside the runtime (a table half changed)",
            ZqLost.Guard when errno == 3 => "a thread died unseen by the guard (its exit stop let go by a continue meant for the stop before), its registers are gone",
            ZqLost.Guard => $"the guard could not write a thread's registers into the image{Errno(errno)}",
            var other => string.Create(CultureInfo.InvariantCulture, $"unknown reason {(uint)other}{Errno(errno)}"),
        };
    }

    static string Errno(int errno) =>
        errno <= 0 ? "" : $" ({(Names.TryGetValue(errno, out var name) ? name : $"errno {errno}")}: {Libc.Message(errno)})";

    /// <summary>The one line said when a failure came and was not saved.</summary>
    public static string Line(ZqHeader? header, string image) =>
        $"the power failure was not saved: {(header is { } h ? Reason(h) : null) ?? "the runtime did not record why"}; the image is kept as lost: zhuque inspect {image}";
}
